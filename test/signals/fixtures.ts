// Event fixtures for the Signals tests: stored events with every kind of column filled, and
// PowerMTA-style ingest lines built from the reference examples (sparkpost-api.md §1.9).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { StoredEvent } from '../../src/signals/store/columns.js';

export const DAY = 86400;
/** A fixed instant: 2026-11-20 00:00:00 UTC. */
export const T0 = Date.UTC(2026, 10, 20) / 1000;

let counter = 0;

export function storedEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  counter += 1;
  return {
    ts: T0 + counter,
    type: 'delivery',
    event_id: String(1_000_000 + counter),
    message_id: `0000${counter.toString(16).padStart(16, '0')}`,
    customer_id: 1,
    subaccount_id: 0,
    rcpt_to: `user${counter}@gmail.com`,
    raw_rcpt_to: `User${counter}@gmail.com`,
    recipient_domain: 'gmail.com',
    routing_domain: 'gmail.com',
    friendly_from: 'news@example.com',
    sending_domain: 'example.com',
    msg_from: 'bounces@mail.example.com',
    subject: 'Spring deals',
    campaign_id: 'spring-sale',
    ip_pool: 'hot chili',
    sending_ip: '203.0.113.10',
    binding: 'mta1',
    binding_group: 'hot chili',
    mailbox_provider: 'Gmail',
    mailbox_provider_region: 'Global',
    num_retries: 0,
    queue_time: 1200,
    msg_size: 3150,
    delv_method: 'esmtp',
    open_tracking: true,
    click_tracking: false,
    ...overrides,
  };
}

/** Strings that break naive SQL: quotes, escapes, comments, statement ends, NUL, LIKE and regex syntax. */
export const NASTY_VALUES = [
  "o'brien",
  "x' OR '1'='1",
  'back\\slash',
  'trail\\',
  "'; DROP TABLE events; --",
  '"double"',
  '/* comment */',
  'nul\u0000byte',
  'new\nline\ttab',
  '100%_like',
  'regex.*(?i)[a]',
  'ünïcødé ✓ 漢字',
  "\\'",
  '`backtick`',
  '$1 {x:String}',
];

/**
 * The reference's example upload, one line per ingest type (sparkpost-api.md §1.9, generated with
 * SparkPost's own sample code), with timestamps moved to `base` + 2 s per line so it is fresh.
 */
export function referenceUpload(base: number): string[] {
  const text = readFileSync(new URL('./fixtures/reference-ingest.ndjson', import.meta.url), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line, i) => {
      const event = JSON.parse(line) as { msys: Record<string, Record<string, unknown>> };
      const fields = Object.values(event.msys)[0]!;
      fields.timestamp = String(base + 2 * i);
      return JSON.stringify(event);
    });
}

/** One ingest line of the given ingest type (a minimal valid event unless fields override it). */
export function ingestLine(fields: Record<string, unknown>, grouping = 'message_event'): string {
  counter += 1;
  return JSON.stringify({
    msys: {
      [grouping]: {
        type: 'delivery',
        event_id: String(9_000_000 + counter),
        message_id: `0000${(counter + 0xabc000).toString(16).padStart(16, '0')}`,
        delv_method: 'esmtp',
        rcpt_to: `someone${counter}@gmail.com`,
        ...fields,
      },
    },
  });
}

export function gzipLines(lines: readonly string[]): Buffer {
  return gzipSync(lines.map((l) => `${l}\n`).join(''));
}
