// The cohort rollup (store/cohorts.ts) on every engine: recipients with known histories, one day
// computed, and the rows compared with hand-classified answers (reference sparkpost-api.md §6.4).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cohortSpec } from '../../src/signals/analytics/rollup-spec.js';
import { ROLLUP_MEASURES, type RollupMeasure } from '../../src/signals/store/cohorts.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { timeRange } from '../../src/signals/store/query.js';
import type { EventStore } from '../../src/signals/store/types.js';
import { DAY, storedEvent, T0 } from './fixtures.js';

const D = T0;
const ago = (days: number, seconds = 3600) => D - days * DAY + seconds;

/** One send: the injection and what followed, with the rollup's facets. */
function send(
  rcpt: string,
  at: number,
  extra: Partial<StoredEvent> = {},
  after: Array<[StoredEvent['type'], number, Partial<StoredEvent>?]> = [],
): StoredEvent[] {
  const injection = storedEvent({ type: 'injection', rcpt_to: rcpt, ts: at, ...extra });
  const follow = after.map(([type, ts, more]) =>
    storedEvent({
      ...extra,
      type,
      ts,
      rcpt_to: injection.rcpt_to,
      message_id: injection.message_id,
      injection_time: at,
      open_tracking: undefined,
      ...more,
    }),
  );
  return [injection, ...follow];
}

function history(): StoredEvent[] {
  const c1 = { campaign_id: 'c1' };
  const c2 = { campaign_id: 'c2' };
  const hashed = { rcpt_to: undefined, raw_rcpt_to: undefined, rcpt_hash: 'aGFzaGVk', ...c2 };
  return [
    // alice: engaged 20 days ago -> 90d; her message today is opened tomorrow.
    ...send('alice@gmail.com', ago(30), c1, [['open', ago(20)]]),
    ...send('alice@gmail.com', ago(0), c1, [['open', D + DAY + 100]]),
    // bob: first mail 3 days ago, never engaged -> new; today's message is delayed.
    ...send('bob@gmail.com', ago(3), c1),
    ...send('bob@gmail.com', ago(0, 7200), c1, [['delay', ago(0, 7300)]]),
    // a role address mailed for the first time today -> new, soft-bounced.
    ...send('postmaster@corp.example', ago(0), c1, [['bounce', ago(0, 3700), { bounce_class: 22 }]]),
    // frank hard-bounced 4 days ago -> new and suppressed; bounces again today.
    ...send('frank@gmail.com', ago(4), c1, [['bounce', ago(4, 3700), { bounce_class: 10 }]]),
    ...send('frank@gmail.com', ago(0), { ...c1, open_tracking: false }, [
      ['bounce', ago(0, 3700), { bounce_class: 10 }],
    ]),
    // carol: first mail 10 days ago, never engaged -> uneng; block-bounced today.
    ...send('carol@gmail.com', ago(10), c2),
    ...send('carol@gmail.com', ago(0), c2, [['bounce', ago(0, 3700), { bounce_class: 51 }]]),
    // dave clicked 2 days ago -> 14d; complains and unsubscribes today.
    ...send('dave@gmail.com', ago(5), c2, [['click', ago(2)]]),
    ...send('dave@gmail.com', ago(0), c2, [
      ['spam_complaint', ago(0, 5000)],
      ['list_unsubscribe', ago(0, 5100)],
    ]),
    // greg opened 200 days ago -> 365d (uneng-by-absence when history is cut to 100 days).
    ...send('greg@gmail.com', ago(200), c2, [['initial_open', ago(200, 4000)]]),
    ...send('greg@gmail.com', ago(0), c2),
    // privacy mode: known only by hash, opened 10 days ago -> 14d.
    ...send('', ago(12), hashed, [['open', ago(10)]]),
    ...send('', ago(0), hashed),
    // alice in subaccount 7 has no history there -> new.
    ...send('alice@gmail.com', ago(0), { ...c1, subaccount_id: 7 }),
    // yesterday's message opened today belongs to yesterday, not today.
    ...send('zed@gmail.com', ago(1), c1, [['open', ago(0, 100)]]),
  ];
}

type Expected = Partial<Record<RollupMeasure, number>>;

function rowsOf(rows: Array<{ keys: unknown[]; values: Record<string, number> }>) {
  const out: Record<string, Expected> = {};
  for (const row of rows) {
    const nonZero = Object.fromEntries(Object.entries(row.values).filter(([, v]) => v !== 0));
    out[row.keys.join('/')] = nonZero;
  }
  return out;
}

export function cohortSuite(engine: string, open: () => Promise<EventStore>): void {
  describe(`cohort rollup: ${engine}`, () => {
    it('classifies each send by its recipient history and counts what became of it', async () => {
      const store = await open();
      await store.ingest({ events: history(), batches: [], failures: [] });
      await store.computeCohortDay(cohortSpec(D, D + 2 * DAY, false));
      const groupBy = ['subaccount_id', 'campaign_id', 'cohort'] as const;
      const rows = await store.cohortAggregate({ where: timeRange(D, D + DAY), groupBy: [...groupBy] });
      assert.deepEqual(rowsOf(rows), {
        '0/c1/90d': { injected: 1, tracked: 1, engaged: 1 },
        '0/c1/new': { injected: 3, tracked: 2, delayed: 1, other_bounce: 1, hard: 1, suppressed: 1, role: 1 },
        '0/c2/uneng': { injected: 1, tracked: 1, block: 1 },
        '0/c2/14d': { injected: 2, tracked: 2, complained: 1, unsubscribed: 1 },
        '0/c2/365d': { injected: 1, tracked: 1 },
        '7/c1/new': { injected: 1, tracked: 1 },
      });
      assert.deepEqual(await store.cohortDays(), [{ day: D, until: D + 2 * DAY, final: false }]);
      await store.close();
    });

    it('replaces a day when computed again: a shorter history, an earlier clock', async () => {
      const store = await open();
      await store.ingest({ events: history(), batches: [], failures: [] });
      await store.computeCohortDay(cohortSpec(D, D + 2 * DAY, false));
      // Ignoring events from tomorrow on: alice's open no longer counts.
      await store.computeCohortDay(cohortSpec(D, D + DAY, true, 100 * DAY));
      const rows = await store.cohortAggregate({
        where: { all: [timeRange(D, D + DAY), { column: 'campaign_id', in: ['c1', 'c2'] }] },
        groupBy: ['cohort'],
      });
      const byCohort = rowsOf(rows);
      assert.equal(byCohort['365d'], undefined, 'greg has no history within 100 days');
      assert.deepEqual(byCohort.new?.injected, 5);
      assert.deepEqual(byCohort['90d'], { injected: 1, tracked: 1 });
      assert.deepEqual(await store.cohortDays(), [{ day: D, until: D + DAY, final: true }]);
      await store.close();
    });

    it('filters by facet, groups by day, keeps days apart and drops old days', async () => {
      const store = await open();
      await store.ingest({ events: history(), batches: [], failures: [] });
      for (const day of [D - 4 * DAY, D - DAY, D])
        await store.computeCohortDay(cohortSpec(day, D + DAY, false));
      const byDay = await store.cohortAggregate({
        where: { all: [timeRange(D - 10 * DAY, D + DAY), { column: 'campaign_id', in: ['c1'] }] },
        groupBy: ['day'],
      });
      const injected = Object.fromEntries(byDay.map((r) => [r.keys[0], r.values.injected]));
      assert.deepEqual(injected, { [D - 4 * DAY]: 1, [D - DAY]: 1, [D]: 5 });
      const total = await store.cohortAggregate({ where: { column: 'subaccount_id', in: [7] }, groupBy: [] });
      assert.deepEqual(Object.keys(total[0]!.values).sort(), [...ROLLUP_MEASURES].sort());
      assert.equal(total[0]!.values.injected, 1);
      await assert.rejects(
        store.cohortAggregate({ where: { column: 'rcpt_to', in: ['x'] }, groupBy: [] }),
        /no column rcpt_to/,
      );
      await store.dropCohortDaysBefore(D - DAY);
      assert.deepEqual(
        (await store.cohortDays()).map((s) => s.day),
        [D - DAY, D],
      );
      const after = await store.cohortAggregate({ where: timeRange(0, D + DAY), groupBy: ['day'] });
      assert.deepEqual(after.map((r) => r.keys[0]).sort(), [D - DAY, D]);
      await store.close();
    });
  });
}
