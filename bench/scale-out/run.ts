// bench/scale-out: the Signals API tier's limit on ClickHouse, one server against two. N SparkPost
// ingest events (the connector's own lines, in its 5 MiB gzip requests) are POSTed to `outpost
// signals` processes in front of one ClickHouse server, and timed from the first request until
// ClickHouse holds all N rows: journal, decode, validate, de-duplicate, enrich and insert. Then the
// same with two Signals servers sharing the load (and the database) half and half.
//
// Peer: ClickHouse's own HTTP interface inserting the same rows (exported from what Outpost stored,
// so the very same columns and values) as JSONEachRow into an identical schema (same table, same
// search views), in the same 50,000-row chunks and one insert at a time, as Outpost's store writes.
// That is the floor any ingest in front of ClickHouse pays; the ratio says how much of ClickHouse's
// own insert rate a Signals server keeps, and whether a second server buys anything on this box.
// The MTA tier's per-node limit is bench/relay's figure (Outpost relaying vs Postfix), not repeated.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/scale-out/run.ts [--events N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ingestLine, SignalsSelector } from '../../src/events/signals/index.js';
import { ClickHouseStore } from '../../src/signals/store/clickhouse/store.js';
import { signalsConfig } from '../../test/events/signals/helpers/config.js';
import { mixedEvents } from '../../test/events/signals/helpers/events.js';
import { startClickHouse } from '../../test/helpers/clickhouse.js';
import { TestDnsServer } from '../../test/helpers/dns-server.js';
import { SignalsNode, signalsPorts } from '../../test/scale-out/cluster.js';
import { option } from '../connector/util.js';
import { recordResult } from '../lib/results.js';

const EVENTS = option('--events', 200_000);
const CHUNK_ROWS = 50_000;

/** The connector's requests: ingest NDJSON lines, at most 5 MiB each before gzip. */
function requests(): Buffer[] {
  const selector = new SignalsSelector(signalsConfig());
  const options = { privacy: 'retain' as const, engagementTracking: false };
  const out: Buffer[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const flush = () => {
    out.push(gzipSync(lines.join(''), { level: 3 }));
    lines = [];
    bytes = 0;
  };
  for (const [i, event] of mixedEvents(EVENTS, Date.now() - 60_000).entries()) {
    const line = `${ingestLine(event, selector.select(event)!, String(2e15 + i), options)}\n`;
    if (bytes + line.length > 5 * 1024 * 1024) flush();
    lines.push(line);
    bytes += line.length;
  }
  flush();
  return out;
}

async function sql(url: string, query: string, body?: string): Promise<string> {
  const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`, { method: 'POST', body });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse: ${text.slice(0, 500)}`);
  return text;
}

async function post(server: SignalsNode, body: Buffer): Promise<void> {
  for (;;) {
    const response = await server.upload(body);
    await response.arrayBuffer();
    if (response.ok) return;
    if (response.status !== 429) throw new Error(`ingest: HTTP ${response.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Events/s through `servers` Signals servers: requests dealt round robin, two in flight each. */
async function ingestRun(
  servers: SignalsNode[],
  bodies: Buffer[],
  chUrl: string,
  db: string,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (server: SignalsNode) => {
    while (next < bodies.length) await post(server, bodies[next++]!);
  };
  await Promise.all(servers.flatMap((s) => [worker(s), worker(s)]));
  for (;;) {
    const n = Number(await sql(chUrl, `SELECT count() FROM ${db}.events`));
    if (n === EVENTS) break;
    if (n > EVENTS) throw new Error(`${db}: ${n} rows for ${EVENTS} events`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return EVENTS / ((performance.now() - started) / 1000);
}

/** Events/s of ClickHouse inserting the rows of `from` into a fresh copy of the schema. */
async function peerRun(chUrl: string, from: string): Promise<number> {
  const store = await ClickHouseStore.open({ url: chUrl, database: 'peer' });
  await store.close();
  const rows = (await sql(chUrl, `SELECT * FROM ${from}.events FORMAT JSONEachRow`)).trimEnd().split('\n');
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS)
    chunks.push(`${rows.slice(i, i + CHUNK_ROWS).join('\n')}\n`);
  const started = performance.now();
  for (const chunk of chunks) await sql(chUrl, 'INSERT INTO peer.events FORMAT JSONEachRow', chunk);
  const seconds = (performance.now() - started) / 1000;
  const n = Number(await sql(chUrl, 'SELECT count() FROM peer.events'));
  if (n !== EVENTS) throw new Error(`peer stored ${n} of ${EVENTS}`);
  return EVENTS / seconds;
}

const work = mkdtempSync(join(tmpdir(), 'outpost-bench-scale-'));
const clickhouse = await startClickHouse();
const dns = await new TestDnsServer({}).start();
const nodes: SignalsNode[] = [];
try {
  const bodies = requests();
  const ports = await signalsPorts(3);
  const node = (name: string, port: number, database: string) =>
    new SignalsNode({
      name,
      dir: join(work, name),
      port,
      clickhouseUrl: clickhouse.url,
      database,
      dnsPort: dns.port,
    });
  const one = node('one', ports[0]!, 'one');
  nodes.push(one);
  await one.start();
  const single = await ingestRun([one], bodies, clickhouse.url, 'one');
  await one.stop();
  const pair = [node('pair-a', ports[1]!, 'pair'), node('pair-b', ports[2]!, 'pair')];
  nodes.push(...pair);
  for (const n of pair) await n.start();
  const double = await ingestRun(pair, bodies, clickhouse.url, 'pair');
  for (const n of pair) await n.stop();
  const peer = await peerRun(clickhouse.url, 'one');

  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(
    `${EVENTS.toLocaleString('en')} events in ${bodies.length} gzip requests, ClickHouse 18.16 on loopback`,
  );
  console.log(`one Signals server  -> ClickHouse: ${fmt(single)} events/s`);
  console.log(
    `two Signals servers -> ClickHouse: ${fmt(double)} events/s (${(double / single).toFixed(2)}x one)`,
  );
  console.log(`peer: ClickHouse HTTP insert of the same rows: ${fmt(peer)} events/s`);
  console.log(
    `ratio one server / peer: ${(single / peer).toFixed(2)}; two servers / peer: ${(double / peer).toFixed(2)}`,
  );
  const common = {
    bench: 'scale-out',
    unit: 'events/s',
    peer,
    peerName: 'ClickHouse HTTP insert, same rows',
  };
  recordResult({
    ...common,
    figure: 'ingested into ClickHouse, 1 Signals server',
    outpost: single,
    better: 'higher',
  });
  recordResult({
    ...common,
    figure: 'ingested into ClickHouse, 2 Signals servers',
    outpost: double,
    better: 'higher',
  });
} finally {
  for (const n of nodes) await n.stop();
  await dns.stop();
  await clickhouse.stop();
  rmSync(work, { recursive: true, force: true });
}
