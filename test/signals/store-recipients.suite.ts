// Recipient searches (the Events API's `recipients=`) must answer exactly what a plain scan of the
// written events answers, whatever path an engine takes (DuckDB: its sorted recipient lookup and
// unsorted tail, then the events by timestamp). The expected answers are computed here from the
// events as written: filtered, ordered newest first by (ts, event_id), paged by keyset.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { keysetAfter } from '../../src/signals/store/paging.js';
import { and, type Condition, timeRange } from '../../src/signals/store/query.js';
import type { EventStore } from '../../src/signals/store/types.js';
import { seededRandom } from '../helpers/prng.js';
import { DAY, NASTY_VALUES, storedEvent, T0 } from './fixtures.js';

type Open = () => Promise<EventStore>;

const HOUR = 3600;
/** Few recipients, many events each; one address made of SQL metacharacters. */
const RECIPIENTS = [...Array.from({ length: 30 }, (_, i) => `r${i}@example.com`), `${NASTY_VALUES[1]}@x.com`];

/** Three days of events, many in the same second; some have no recipient. */
export function generate(count: number): StoredEvent[] {
  const random = seededRandom(11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const rcpt = i % 53 === 0 ? undefined : pick(RECIPIENTS);
    return storedEvent({
      ts: T0 + Math.floor((random() * 3 * DAY) / 60) * 60, // many events share a second
      type: pick(['injection', 'delivery', 'open', 'bounce'] as const),
      rcpt_to: rcpt as string,
      raw_rcpt_to: rcpt as string,
      subaccount_id: pick([0, 0, 7]),
    });
  });
}

interface Ask {
  recipients: string[];
  from: number;
  to: number;
  subaccount?: number;
  types?: string[];
}

function condition(a: Ask): Condition {
  return and(
    timeRange(a.from, a.to),
    { column: 'rcpt_to', in: a.recipients },
    a.types && { column: 'type', in: a.types },
    a.subaccount === undefined ? undefined : { column: 'subaccount_id', in: [a.subaccount] },
  );
}

function expected(events: readonly StoredEvent[], a: Ask): string[] {
  return events
    .filter(
      (e) =>
        e.ts >= a.from &&
        e.ts < a.to &&
        e.rcpt_to !== undefined &&
        a.recipients.includes(e.rcpt_to) &&
        (!a.types || a.types.includes(e.type)) &&
        (a.subaccount === undefined || e.subaccount_id === a.subaccount),
    )
    .sort((x, y) => y.ts - x.ts || (y.event_id < x.event_id ? -1 : y.event_id > x.event_id ? 1 : 0))
    .map((e) => e.event_id);
}

/** Every page of a search (keyset-paged, `perPage` a page), concatenated. */
async function allPages(store: EventStore, where: Condition, perPage: number): Promise<string[]> {
  const ids: string[] = [];
  let after: { ts: number; event_id: string } | undefined;
  for (;;) {
    const page = await store.search({ where, limit: perPage, after });
    ids.push(...page.map((e) => e.event_id));
    const last = page[page.length - 1];
    if (page.length < perPage || !last) return ids;
    after = { ts: last.ts, event_id: last.event_id };
  }
}

/** Asks several recipient searches and compares every answer with a plain scan of `events`. */
export async function assertExact(store: EventStore, events: readonly StoredEvent[], label: string) {
  const asks: Ask[] = [
    { recipients: ['r1@example.com'], from: T0, to: T0 + 3 * DAY },
    { recipients: ['r2@example.com'], from: T0 + 5 * HOUR + 17, to: T0 + DAY + 3 },
    { recipients: ['r3@example.com', 'r4@example.com', 'nobody@example.com'], from: T0, to: T0 + 3 * DAY },
    { recipients: ['r5@example.com'], from: T0, to: T0 + 3 * DAY, subaccount: 7 },
    { recipients: ['r6@example.com'], from: T0, to: T0 + 2 * DAY, types: ['open', 'bounce'] },
    { recipients: [RECIPIENTS.at(-1)!], from: T0, to: T0 + 3 * DAY },
    { recipients: ['nobody@example.com'], from: T0, to: T0 + 3 * DAY },
    { recipients: [], from: T0, to: T0 + 3 * DAY },
  ];
  for (const a of asks) {
    const want = expected(events, a);
    const name = `${label}: ${JSON.stringify(a)}`;
    assert.deepEqual(await allPages(store, condition(a), 7), want, `${name} (pages of 7)`);
    assert.deepEqual(await allPages(store, condition(a), 1000), want, `${name} (one page)`);
    assert.equal(await store.count(condition(a)), want.length, `${name} (count)`);
    // Page and count asked at once, as the Events API does: a full page (4 rows) and a page that
    // holds every row (DuckDB then counts the page's rows).
    for (const limit of [4, 1000]) {
      const [page, total] = await Promise.all([
        store.search({ where: condition(a), limit }),
        store.count(condition(a)),
      ]);
      assert.deepEqual(
        page.map((e) => e.event_id),
        want.slice(0, limit),
        `${name} (page of ${limit} with its count)`,
      );
      assert.equal(total, want.length, `${name} (count beside a page of ${limit})`);
    }
    // A page after a cursor, counted the same way (the Events API's total_count ignores the cursor).
    if (want.length > 3) {
      const third = events.find((e) => e.event_id === want[2])!;
      const rest = await store.search({ where: condition(a), limit: 1000, after: third });
      assert.deepEqual(
        rest.map((e) => e.event_id),
        want.slice(3),
        `${name} (after a cursor)`,
      );
      assert.equal(await store.count(and(condition(a), keysetAfter(third))), want.length - 3);
    }
  }
  assert.ok(expected(events, asks[0]!).length > 20, 'the recipients have many events');
}

export function recipientSuite(engine: string, open: Open): void {
  describe(`event store recipient search: ${engine}`, () => {
    it('answers exactly as a plain scan, across late writes, merges and retention', async () => {
      const store = await open();
      const events = generate(5000);
      // Newest first, then older (late events), in sizes that leave rows unmerged between checks.
      // The last chunk (300) stays in DuckDB's unsorted tail (merged from 500 on in the test store).
      const chunks = [
        events.slice(3000),
        events.slice(0, 700),
        events.slice(700, 2700),
        events.slice(2700, 3000),
      ];
      const written: StoredEvent[] = [];
      for (const chunk of chunks) {
        await store.ingest({ events: chunk, batches: [], failures: [] });
        written.push(...chunk);
        await assertExact(store, written, `after ${written.length} events`);
      }
      await store.dropEventDaysBefore(T0 + DAY + 5 * HOUR);
      const kept = written.filter((e) => e.ts >= T0 + DAY);
      await assertExact(store, kept, 'after retention');
      const late = generate(600).map((e) => ({ ...e, ts: e.ts + DAY }));
      await store.ingest({ events: late, batches: [], failures: [] });
      await assertExact(store, [...kept, ...late], 'written after retention');
      await store.close();
    });
  });
}
