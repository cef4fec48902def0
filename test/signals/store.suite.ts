// The one test suite every store engine must pass (store-duckdb.test.ts, store-clickhouse.test.ts).
// It talks only to the EventStore interface, so an engine passes by behaving, not by its SQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { and, type Condition, TRUE, timeRange } from '../../src/signals/store/query.js';
import type { BatchRecord, EventStore } from '../../src/signals/store/types.js';
import { DAY, NASTY_VALUES, storedEvent, T0 } from './fixtures.js';

type Open = () => Promise<EventStore>;

const sortedIds = (events: StoredEvent[]) => events.map((e) => e.event_id).sort();

function batch(id: string, receivedAt: number, overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    batch_id: id,
    received_at: receivedAt * 1000,
    processed_at: receivedAt * 1000 + 1,
    expires_at: (receivedAt + 10 * DAY) * 1000,
    customer_id: 1,
    subaccount_id: 0,
    status: 'success',
    retryable: false,
    number_succeeded: 1,
    number_failed: 0,
    number_duplicates: 0,
    content_hash: `hash-${id}`,
    first_error: '',
    ...overrides,
  };
}

export function storeSuite(engine: string, open: Open): void {
  describe(`event store: ${engine}`, () => {
    it('stores every column and gives events back exactly, newest first', async () => {
      const store = await open();
      const full = storedEvent({
        type: 'click',
        bounce_class: 10,
        error_code: '550',
        injection_time: T0 - 60,
        target_link_url: 'https://example.com/a?b=c',
        user_agent: 'Mozilla/5.0',
        prefetched: false,
        extra: { geo_ip: { country: 'US', latitude: 39.17 }, rcpt_tags: ['a', 'b'], rcpt_meta: { k: 'v' } },
      });
      const older = storedEvent({ ts: full.ts - 10 });
      await store.ingest({ events: [older, full], batches: [], failures: [] });
      const found = await store.search({ where: TRUE, limit: 10 });
      assert.deepEqual(found, [full, older]);
      await store.close();
    });

    it('pages by keyset without repeating or skipping rows that share a timestamp', async () => {
      const store = await open();
      const events = Array.from({ length: 25 }, (_, i) => storedEvent({ ts: T0 + 100 + (i % 4) }));
      await store.ingest({ events, batches: [], failures: [] });
      const seen: string[] = [];
      let after: { ts: number; event_id: string } | undefined;
      for (;;) {
        const page = await store.search({ where: TRUE, limit: 7, after });
        if (page.length === 0) break;
        seen.push(...page.map((e) => e.event_id));
        const last = page[page.length - 1]!;
        after = { ts: last.ts, event_id: last.event_id };
      }
      assert.deepEqual([...seen].sort(), sortedIds(events));
      assert.equal(new Set(seen).size, 25);
      assert.equal(await store.count(TRUE), 25);
      await store.close();
    });

    it('filters by list, keyword token, substring, comparison and presence', async () => {
      const store = await open();
      const a = storedEvent({
        campaign_id: 'blackfriday-specials',
        rcpt_to: 'a@x.com',
        sending_domain: 'mail.shop.com',
      });
      const b = storedEvent({
        campaign_id: 'friday_deals',
        type: 'bounce',
        bounce_class: 10,
        rcpt_to: 'b@x.com',
      });
      const c = storedEvent({
        campaign_id: 'BlackFriday',
        subaccount_id: 7,
        message_id: undefined,
        rcpt_to: 'c@x.com',
      });
      await store.ingest({ events: [a, b, c], batches: [], failures: [] });
      const ids = async (where: Condition) => sortedIds(await store.search({ where, limit: 100 }));
      assert.deepEqual(await ids({ column: 'campaign_id', token: 'blackfriday' }), sortedIds([a, c]));
      assert.deepEqual(await ids({ column: 'campaign_id', token: 'friday' }), sortedIds([b]));
      assert.deepEqual(await ids({ column: 'sending_domain', token: 'shop', dots: true }), sortedIds([a]));
      assert.deepEqual(await ids({ column: 'sending_domain', token: 'shop' }), []);
      assert.deepEqual(await ids({ column: 'campaign_id', contains: 'FRIDAY' }), sortedIds([a, b, c]));
      assert.deepEqual(await ids({ column: 'type', in: ['bounce'] }), sortedIds([b]));
      assert.deepEqual(await ids({ column: 'subaccount_id', in: [7] }), sortedIds([c]));
      assert.deepEqual(await ids({ column: 'bounce_class', cmp: '>=', value: 10 }), sortedIds([b]));
      assert.deepEqual(await ids({ column: 'message_id', present: false }), sortedIds([c]));
      assert.deepEqual(await ids({ column: 'rcpt_to', in: ['b@x.com', 'c@x.com'] }), sortedIds([b, c]));
      assert.deepEqual(await ids({ not: { column: 'rcpt_to', in: ['b@x.com'] } }), sortedIds([a, c]));
      assert.deepEqual(await ids({ column: 'rcpt_to', in: [] }), []);
      // An absent value is "not equal" to anything: negation keeps it (SQL NULL would drop it).
      assert.deepEqual(await ids({ not: { column: 'bounce_class', in: [10] } }), sortedIds([a, c]));
      assert.deepEqual(await ids({ not: { column: 'message_id', in: ['zzz'] } }), sortedIds([a, b, c]));
      assert.deepEqual(await ids(and({ column: 'rcpt_to', in: ['a@x.com'] }, timeRange(a.ts, a.ts + 1))), [
        a.event_id,
      ]);
      assert.deepEqual(
        await ids(and({ column: 'rcpt_to', in: ['a@x.com'] }, timeRange(a.ts + 1, a.ts + 9))),
        [],
      );
      await store.close();
    });

    it('matches keyword tokens among many values, negated too, in searches and counts', async () => {
      const store = await open();
      // 71 values match "spring" (more than DuckDB narrows to a list: token-values.ts), one "summer".
      const spring = Array.from({ length: 70 }, (_, i) => storedEvent({ campaign_id: `spring-${i}` }));
      const both = storedEvent({ campaign_id: 'Summer_Spring' });
      const partial = storedEvent({ campaign_id: 'springtime' });
      const none = storedEvent();
      delete none.campaign_id;
      const events = [...spring, both, partial, none];
      await store.ingest({ events, batches: [], failures: [] });
      const check = async (where: Condition, expected: typeof events) => {
        assert.deepEqual(sortedIds(await store.search({ where, limit: 100 })), sortedIds(expected));
        assert.equal(await store.count(where), expected.length);
      };
      await check({ column: 'campaign_id', token: 'spring' }, [...spring, both]);
      await check({ column: 'campaign_id', token: 'summer' }, [both]);
      await check({ column: 'campaign_id', token: 'autumn' }, []);
      // Negated, an event without a campaign is kept (absent is "not equal"), as with lists.
      await check({ not: { column: 'campaign_id', token: 'summer' } }, [...spring, partial, none]);
      await check({ not: { column: 'campaign_id', token: 'spring' } }, [partial, none]);
      await store.close();
    });

    it('treats SQL and regex metacharacters in every kind of filter as plain text', async () => {
      const store = await open();
      const plain = storedEvent({ campaign_id: 'plain', rcpt_to: 'plain@x.com' });
      const nasty = NASTY_VALUES.map((value) =>
        storedEvent({ campaign_id: value, rcpt_to: value, message_id: value, subject: value, reason: value }),
      );
      await store.ingest({ events: [plain, ...nasty], batches: [], failures: [] });
      for (const [i, value] of NASTY_VALUES.entries()) {
        const expected = [nasty[i]!.event_id];
        for (const where of [
          { column: 'campaign_id', in: [value] },
          { column: 'rcpt_to', in: [value] },
          { column: 'message_id', in: [value] },
          { column: 'subject', contains: value },
          { column: 'reason', token: value },
          { column: 'campaign_id', cmp: '=', value },
        ] as Condition[]) {
          const found = await store.search({ where, limit: 50 });
          assert.deepEqual(
            found.map((e) => e.event_id),
            expected,
            `${JSON.stringify(value)} via ${JSON.stringify(where)}`,
          );
        }
        const byMessage = await store.eventsByMessageIds([value]);
        assert.deepEqual(
          byMessage.map((e) => e.event_id),
          expected,
        );
        assert.equal(byMessage[0]!.campaign_id, value, 'the value round-trips unchanged');
      }
      assert.equal(await store.count(TRUE), NASTY_VALUES.length + 1, 'nothing was dropped or added');
      await store.close();
    });

    it('aggregates counts, sums and distinct counts grouped by facet, sorted and limited', async () => {
      const store = await open();
      const events = [
        storedEvent({ campaign_id: 'a', type: 'delivery', msg_size: 100, message_id: 'm1' }),
        storedEvent({ campaign_id: 'a', type: 'open', message_id: 'm1' }),
        storedEvent({ campaign_id: 'a', type: 'open', message_id: 'm1' }),
        storedEvent({ campaign_id: 'a', type: 'open', message_id: 'm2' }),
        storedEvent({ campaign_id: 'b', type: 'delivery', msg_size: 50, message_id: 'm3' }),
        storedEvent({ campaign_id: 'b', type: 'delivery', msg_size: 25, message_id: 'm4' }),
        storedEvent({ campaign_id: 'c', type: 'bounce', message_id: 'm5' }),
      ];
      await store.ingest({ events, batches: [], failures: [] });
      const rows = await store.aggregate({
        where: TRUE,
        groupBy: [{ column: 'campaign_id' }],
        measures: {
          delivered: { count: true, where: { column: 'type', in: ['delivery'] } },
          volume: { sum: 'msg_size', where: { column: 'type', in: ['delivery'] } },
          unique_opens: { uniq: ['message_id'], where: { column: 'type', in: ['open'] } },
          all: { count: true },
        },
        orderBy: { key: 'delivered', desc: true },
      });
      assert.deepEqual(rows, [
        { keys: ['b'], values: { delivered: 2, volume: 75, unique_opens: 0, all: 2 } },
        { keys: ['a'], values: { delivered: 1, volume: 100, unique_opens: 2, all: 4 } },
        { keys: ['c'], values: { delivered: 0, volume: 0, unique_opens: 0, all: 1 } },
      ]);
      const top = await store.aggregate({
        where: TRUE,
        groupBy: [{ column: 'subaccount_id' }, { column: 'campaign_id' }],
        measures: { n: { count: true } },
        orderBy: { key: 'n', desc: true },
        limit: 1,
      });
      assert.deepEqual(top, [{ keys: [0, 'a'], values: { n: 4 } }]);
      const total = await store.aggregate({ where: TRUE, groupBy: [], measures: { n: { count: true } } });
      assert.deepEqual(total, [{ keys: [], values: { n: 7 } }]);
      await store.close();
    });

    it('buckets time in local hours across a DST change, ISO weeks and calendar months', async () => {
      const store = await open();
      // America/New_York leaves DST on 2026-11-01 at 06:00 UTC (02:00 EDT becomes 01:00 EST).
      const change = Date.UTC(2026, 10, 1, 6) / 1000;
      const events = [
        storedEvent({ ts: change - 3600 - 1 }), // 00:59:59 EDT
        storedEvent({ ts: change - 1 }), // 01:59:59 EDT
        storedEvent({ ts: change }), // 01:00:00 EST
        storedEvent({ ts: change + 5400 }), // 02:30 EST
      ];
      await store.ingest({ events, batches: [], failures: [] });
      const hourly = await store.aggregate({
        where: timeRange(change - 2 * 3600, change + 3 * 3600),
        groupBy: [
          {
            bucket: {
              size: 3600,
              offsets: [
                { from: 0, offset: -4 * 3600 },
                { from: change, offset: -5 * 3600 },
              ],
            },
          },
        ],
        measures: { n: { count: true } },
        orderBy: { key: 'group:0', desc: false },
      });
      assert.deepEqual(hourly, [
        { keys: [change - 7200], values: { n: 1 } },
        { keys: [change - 3600], values: { n: 1 } },
        { keys: [change], values: { n: 1 } },
        { keys: [change + 3600], values: { n: 1 } },
      ]);
      const weekly = await store.aggregate({
        where: TRUE,
        groupBy: [{ bucket: { calendar: 'week' } }],
        measures: { n: { count: true } },
      });
      // 2026-11-01 is a Sunday: the first three fall in the week of Monday 2026-10-26, the last too.
      assert.deepEqual(weekly, [{ keys: [Date.UTC(2026, 9, 26) / 1000], values: { n: 4 } }]);
      const octoberFirst = Date.UTC(2026, 9, 1) / 1000;
      const novemberFirst = Date.UTC(2026, 10, 1) / 1000;
      const monthly = await store.aggregate({
        where: TRUE,
        groupBy: [{ bucket: { calendar: 'month', starts: [octoberFirst, novemberFirst] } }],
        measures: { n: { count: true } },
        orderBy: { key: 'group:0', desc: false },
      });
      assert.deepEqual(monthly, [{ keys: [novemberFirst], values: { n: 4 } }]);
      await store.close();
    });

    it('looks up every event of a set of messages, oldest first', async () => {
      const store = await open();
      const injection = storedEvent({ type: 'injection', message_id: 'msg-1' });
      const delivery = storedEvent({ type: 'delivery', message_id: 'msg-1' });
      const other = storedEvent({ type: 'injection', message_id: 'msg-2' });
      await store.ingest({ events: [delivery, other, injection], batches: [], failures: [] });
      const found = await store.eventsByMessageIds(['msg-1']);
      assert.deepEqual(
        found.map((e) => e.event_id),
        [injection.event_id, delivery.event_id],
      );
      const injections = await store.eventsByMessageIds(['msg-1', 'msg-2'], {
        column: 'type',
        in: ['injection'],
      });
      assert.deepEqual(sortedIds(injections), sortedIds([injection, other]));
      assert.deepEqual(await store.eventsByMessageIds([]), []);
      await store.close();
    });

    it('looks up messages exactly as a plain filter, for few, many and absent ids', async () => {
      const store = await open();
      // 3,000 messages, each injected and delivered at a second of its own (DuckDB narrows its
      // read to the timestamps found, one by one up to 64, as a list up to 2,000, else scans).
      const messages = Array.from({ length: 3000 }, (_, i) => `m-${i}`);
      const events = messages.flatMap((id, i) => [
        storedEvent({ type: 'injection', message_id: id, ts: T0 + 2 * i }),
        storedEvent({ type: 'delivery', message_id: id, ts: T0 + 2 * i + 1 }),
      ]);
      await store.ingest({ events, batches: [], failures: [] });
      const injection: Condition = { column: 'type', in: ['injection'] };
      const want = (ids: string[], type?: string) =>
        events
          .filter((e) => ids.includes(e.message_id!) && (!type || e.type === type))
          .map((e) => e.event_id);
      for (const count of [10, 300, 2500]) {
        const ids = messages.filter((_, i) => i % Math.floor(3000 / count) === 0).slice(0, count);
        const asked = [...ids, 'never-sent', NASTY_VALUES[1]!];
        const all = await store.eventsByMessageIds(asked);
        assert.deepEqual(
          all.map((e) => e.event_id),
          want(ids),
          `${count} messages`,
        );
        const injections = await store.eventsByMessageIds(asked, injection);
        assert.deepEqual(
          injections.map((e) => e.event_id),
          want(ids, 'injection'),
          `${count} injections`,
        );
      }
      assert.deepEqual(await store.eventsByMessageIds(['never-sent', 'x'], injection), []);
      await store.close();
    });

    it("stages a write's batches together and keeps nothing of a batch that fails", async () => {
      const store = await open();
      const fails = (events: StoredEvent[]) => async (add: (e: StoredEvent[]) => void) => {
        add(events);
        throw new Error('the batch failed after staging a slice');
      };
      await assert.rejects(store.stage(fails([storedEvent()])), /failed after staging/);
      const first = [storedEvent(), storedEvent()];
      let staged = await store.stage(async (add) => add(first));
      await assert.rejects(store.stage(fails([storedEvent()]), staged), /failed after staging/);
      // Big enough for DuckDB's appender to flush part of it before the failure.
      const big = Array.from({ length: 210_000 }, () => storedEvent());
      await assert.rejects(store.stage(fails(big), staged), /failed after staging/);
      const retried = [storedEvent(), storedEvent()];
      staged = await store.stage(async (add) => {
        add(retried.slice(0, 1));
        add(retried.slice(1));
      }, staged);
      assert.equal(staged.count, 4);
      await store.ingest({ events: [], staged: [staged], batches: [], failures: [] });
      const found = await store.search({ where: TRUE, limit: 10 });
      assert.deepEqual(found.map((e) => e.event_id).sort(), sortedIds([...first, ...retried]));
      await store.close();
    });

    it('lists event ids since a time, for the de-duplicator', async () => {
      const store = await open();
      const old = storedEvent({ ts: T0 - 2 * DAY });
      const recent = Array.from({ length: 5 }, () => storedEvent());
      await store.ingest({ events: [old, ...recent], batches: [], failures: [] });
      const ids: string[] = [];
      for await (const chunk of store.eventIdsSince(T0 - DAY)) ids.push(...chunk);
      assert.deepEqual(ids.sort(), sortedIds(recent));
      await store.close();
    });

    it('keeps batch records and failed lines, lists them newest first with filters and paging', async () => {
      const store = await open();
      const batches = [
        batch('b1', T0 + 10),
        batch('b2', T0 + 20, {
          status: 'validation',
          number_failed: 2,
          first_error: 'missing event_id',
          subaccount_id: 3,
        }),
        batch('b3', T0 + 30, { status: 'duplicate_batch', content_hash: 'hash-b1' }),
      ];
      const failures = [
        { batch_id: 'b2', line: 2, reason: 'missing event_id', text: '{"msys":{}}' },
        { batch_id: 'b2', line: 1, reason: "not JSON: o'brien \\ \u0000", text: "o'brien \\ \u0000" },
      ];
      await store.ingest({ events: [storedEvent()], batches, failures });
      const all = await store.batches({ from: T0 * 1000, to: (T0 + 100) * 1000, limit: 10 });
      assert.deepEqual(
        all.map((b) => b.batch_id),
        ['b3', 'b2', 'b1'],
      );
      assert.deepEqual(all[1], batches[1]);
      const page = await store.batches({
        from: T0 * 1000,
        to: (T0 + 100) * 1000,
        limit: 10,
        after: { received_at: (T0 + 20) * 1000, batch_id: 'b2' },
      });
      assert.deepEqual(
        page.map((b) => b.batch_id),
        ['b1'],
      );
      assert.deepEqual(
        (await store.batches({ from: T0 * 1000, to: (T0 + 100) * 1000, limit: 10, subaccounts: [3] })).map(
          (b) => b.batch_id,
        ),
        ['b2'],
      );
      assert.deepEqual(
        (
          await store.batches({
            from: T0 * 1000,
            to: (T0 + 100) * 1000,
            limit: 10,
            statuses: ['success', 'validation'],
          })
        ).length,
        2,
      );
      assert.deepEqual(
        (
          await store.batches({
            from: T0 * 1000,
            to: (T0 + 100) * 1000,
            limit: 10,
            batchIds: ["b1' OR '1'='1"],
          })
        ).length,
        0,
      );
      assert.equal((await store.batchByHash('hash-b1'))?.batch_id, 'b1');
      assert.equal(await store.batchByHash('nope'), undefined);
      assert.equal((await store.batchById('b3'))?.status, 'duplicate_batch');
      assert.deepEqual(await store.failures('b2'), [...failures].reverse());
      await store.close();
    });

    it('drops whole days of events and old batches for retention', async () => {
      const store = await open();
      const day0 = storedEvent({ ts: T0 - 2 * DAY + 5 });
      const day1 = storedEvent({ ts: T0 - DAY + 5 });
      const day2 = storedEvent({ ts: T0 + 5 });
      await store.ingest({
        events: [day0, day1, day2],
        batches: [batch('old', T0 - 2 * DAY), batch('new', T0)],
        failures: [{ batch_id: 'old', line: 1, reason: 'x', text: 'x' }],
      });
      await store.dropEventDaysBefore(T0 - DAY + 3600);
      assert.deepEqual(sortedIds(await store.search({ where: TRUE, limit: 10 })), sortedIds([day1, day2]));
      await store.dropBatchesBefore((T0 - DAY) * 1000);
      await waitFor(async () => (await store.batchById('old')) === undefined);
      assert.ok(await store.batchById('new'));
      await waitFor(async () => (await store.failures('old')).length === 0);
      await store.close();
    });
  });
}

/** ClickHouse deletes run as asynchronous mutations: poll briefly. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('condition not reached within 5 s');
}
