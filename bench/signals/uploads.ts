// The bench's HTTP uploads: one day of generate.ts traffic written as a PowerMTA connector sends it
// (reference sparkpost-api.md §1): {"msys":{"<grouping>":{…}}} lines with ingest type names, numbers
// as strings, track and feedback events carrying only what the feeder knows (the server enriches
// them from the injection), gzip NDJSON bodies of at most 5 MiB uncompressed. Beside each body, the
// same events in the stored row form (what Outpost hands its store) for ClickHouse's own HTTP
// insert, the peer. Written once per size into DIR/uploads-N and reused.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENRICHED_TYPES, typeInfo } from '../../src/signals/event-types.js';
import { eventToRowJson, type StoredEvent } from '../../src/signals/store/columns.js';
import { generate } from './generate.js';

const BATCH_BYTES = 5 * 1024 * 1024 - 4096;
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0';

export interface Uploads {
  /** Events actually generated (close to the size asked for). */
  events: number;
  /** Unix seconds: the day's events are in [end - 1 day, end). */
  end: number;
  /** gzip upload bodies, in time order. */
  bodies: Buffer[];
  /** The same events as gzip stored rows (JSONEachRow), one per body. */
  rows: Buffer[];
}

/** Fields an upload carries for every event of a message, from its injection on. */
const MESSAGE_FIELDS = ['routing_domain', 'friendly_from', 'campaign_id', 'sending_ip', 'msg_size'] as const;

export function uploadLine(e: StoredEvent): string {
  const info = typeInfo(e.type);
  const f: Record<string, unknown> = {
    type: info.ingest,
    event_id: e.event_id,
    message_id: e.message_id,
    timestamp: String(e.ts),
    rcpt_to: e.rcpt_to,
    subaccount_id: e.subaccount_id,
  };
  if (ENRICHED_TYPES.has(e.type)) {
    f.delv_method = 'esmtp';
    if (info.grouping === 'track_event') f.user_agent = UA;
    if (e.target_link_url) f.target_link_url = e.target_link_url;
    if (e.fbtype) f.fbtype = e.fbtype;
    if (e.bounce_class !== undefined) f.bounce_class = String(e.bounce_class);
  } else {
    for (const name of MESSAGE_FIELDS) if (e[name] !== undefined) f[name] = String(e[name]);
    f.binding_group = e.ip_pool;
    f.open_tracking = e.open_tracking;
    if (e.type === 'injection') f.recv_method = e.recv_method;
    else f.delv_method = 'esmtp';
    for (const name of ['bounce_class', 'num_retries', 'queue_time'] as const)
      if (e[name] !== undefined) f[name] = String(e[name]);
    if (e.error_code) f.error_code = e.error_code;
    if (e.reason) f.reason = e.reason;
  }
  return JSON.stringify({ msys: { [info.grouping]: f } });
}

export function ensureUploads(dir: string, events: number, end: number, recipients: number): Uploads {
  const at = join(dir, `uploads-${events}-${end}`);
  if (!existsSync(join(at, 'done'))) {
    rmSync(at, { recursive: true, force: true });
    mkdirSync(at, { recursive: true });
    let n = 0;
    let lines: string[] = [];
    let rows: string[] = [];
    let bytes = 0;
    let count = 0;
    const flush = () => {
      const name = String(n++).padStart(5, '0');
      writeFileSync(join(at, `${name}.upload.gz`), gzipSync(`${lines.join('\n')}\n`, { level: 1 }));
      writeFileSync(join(at, `${name}.rows.gz`), gzipSync(`${rows.join('\n')}\n`, { level: 1 }));
      lines = [];
      rows = [];
      bytes = 0;
    };
    for (const day of generate({ events, days: 1, end, recipients, seed: 7 })) {
      for (const event of day) {
        const line = uploadLine(event);
        if (bytes + line.length + 1 > BATCH_BYTES) flush();
        lines.push(line);
        rows.push(eventToRowJson(event));
        bytes += line.length + 1;
        count++;
      }
    }
    if (lines.length) flush();
    writeFileSync(join(at, 'done'), String(count));
  }
  const count = Number(readFileSync(join(at, 'done'), 'utf8'));
  const files = readdirSync(at).sort();
  const read = (suffix: string) =>
    files.filter((f) => f.endsWith(suffix)).map((f) => readFileSync(join(at, f)));
  return { events: count, end, bodies: read('.upload.gz'), rows: read('.rows.gz') };
}
