// The precomputed spam-trap hits (store/trap-days.ts) on DuckDB: after the rollup job runs, every
// report grouping and filter reads the same counts from the trap_days table as counting the
// events at request time gives; an edited list is recounted (and not read before that); new sends
// to a trap are counted with their day. ClickHouse keeps counting at request time (it answers
// `undefined` here), which analytics.test.ts covers on both engines.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { silentLogger } from '../../src/logging.js';
import { CohortRollupJob } from '../../src/signals/analytics/rollup-job.js';
import { parseTrapList, trapCounting } from '../../src/signals/analytics/traps.js';
import type { CohortQuery, RollupFacet } from '../../src/signals/store/cohorts.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { type AggregateRow, and, type Condition, timeRange } from '../../src/signals/store/query.js';
import { type TrapCounting, trapHitQuery } from '../../src/signals/store/trap-days.js';
import { DAY, storedEvent, T0 } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'outpost-traps-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LIST_1 =
  'recycled old@gmail.com\ntypo @gmial.com\nparked @parked.example\nrecycled hashed@corp.example\n';
// Edited: old@ is no longer a trap, gone@ and a second typo domain are.
const LIST_2 = 'recycled gone@gmail.com\ntypo @gmial.com\ntypo @yaho.com\nparked @parked.example\n';

/** Sends over four days to traps and others, with absent facets and a privacy-mode recipient. */
function sends(): StoredEvent[] {
  const events: StoredEvent[] = [];
  const rcpts = [
    'old@gmail.com',
    'gone@gmail.com',
    'x@gmial.com',
    'y@yaho.com',
    'z@parked.example',
    'ok@gmail.com',
  ];
  const hashed = createHash('sha1').update('hashed@corp.example').digest('hex');
  for (let day = 0; day < 4; day++) {
    for (let i = 0; i < 60; i++) {
      const rcpt = rcpts[i % rcpts.length]!;
      events.push(
        storedEvent({
          type: 'injection',
          ts: T0 + day * DAY + i * 60,
          rcpt_to: rcpt,
          recipient_domain: rcpt.split('@')[1],
          campaign_id: i % 4 === 0 ? undefined : `c${i % 3}`,
          ip_pool: `pool-${i % 2}`,
          subaccount_id: i % 5 === 0 ? 7 : 0,
          mailbox_provider: i % 7 === 0 ? undefined : 'Gmail',
        }),
      );
    }
    events.push(
      storedEvent({
        type: 'injection',
        ts: T0 + day * DAY + 9,
        rcpt_to: undefined,
        raw_rcpt_to: undefined,
        rcpt_hash: hashed,
        recipient_domain: undefined,
      }),
    );
    // Not sends: a delivery to a trap counts for nothing.
    events.push(storedEvent({ type: 'delivery', ts: T0 + day * DAY + 5, rcpt_to: 'old@gmail.com' }));
  }
  return events;
}

const FROM = T0;
const TO = T0 + 4 * DAY;
const SHAPES: Array<{ groupBy: RollupFacet; filters: Condition[] }> = [
  { groupBy: 'subaccount_id', filters: [] },
  { groupBy: 'campaign_id', filters: [] },
  { groupBy: 'mailbox_provider', filters: [{ column: 'ip_pool', in: ['pool-1'] }] },
  { groupBy: 'ip_pool', filters: [{ column: 'campaign_id', present: false }] },
  { groupBy: 'campaign_id', filters: [{ column: 'subaccount_id', in: [7] }] },
];

const sorted = (rows: AggregateRow[]) =>
  rows
    .map((r) => JSON.stringify([r.keys, ['recycled', 'typo', 'parked'].map((k) => r.values[k] ?? 0)]))
    .sort();

async function compare(store: DuckDbStore, traps: TrapCounting, from = FROM, to = TO): Promise<string[][]> {
  const answers: string[][] = [];
  for (const { groupBy, filters } of SHAPES) {
    const query: CohortQuery = { where: and(timeRange(from, to), ...filters), groupBy: [groupBy, 'day'] };
    const precomputed = await store.trapAggregate(query, traps.fingerprint);
    assert.ok(precomputed, 'the table holds counts for this list');
    const counted = await store.aggregate(trapHitQuery(traps, from, to, [groupBy], filters));
    assert.deepEqual(sorted(precomputed), sorted(counted), `${groupBy} ${JSON.stringify(filters)}`);
    answers.push(sorted(precomputed));
  }
  return answers;
}

it('counts trap hits ahead exactly as at request time, and recounts an edited list', async () => {
  const store = await DuckDbStore.open({
    path: join(root, 'events.duckdb'),
    tmpDir: join(root, 'tmp'),
    threads: 2,
  });
  try {
    await store.ingest({ events: sends(), batches: [], failures: [] });
    let list = trapCounting(parseTrapList(LIST_1, 'traps.txt'))!;
    const job = new CohortRollupJob({
      store,
      now: () => (T0 + 3 * DAY + 7200) * 1000,
      log: silentLogger(),
      retention: 90 * DAY,
      traps: () => list,
    });
    await job.tick();
    const before = await compare(store, list);
    const hits = before[0]!.reduce(
      (n, row) => n + (JSON.parse(row)[1] as number[]).reduce((a, b) => a + b),
      0,
    );
    assert.equal(hits, 4 * (10 + 10 + 10 + 1), 'old@, x@gmial, z@parked and the hashed trap, every day');

    const edited = trapCounting(parseTrapList(LIST_2, 'traps.txt'))!;
    assert.notEqual(edited.fingerprint, list.fingerprint);
    const notYet = await store.trapAggregate(
      { where: timeRange(FROM, TO), groupBy: ['day'] },
      edited.fingerprint,
    );
    assert.equal(notYet, undefined, 'counts for the old list are not read for the new one');
    list = edited;
    await job.tick();
    const afterEdit = await compare(store, list);
    assert.notDeepEqual(afterEdit, before);
    assert.equal(
      await store.trapAggregate(
        { where: timeRange(FROM, TO), groupBy: ['day'] },
        trapCounting(parseTrapList(LIST_1, 'x'))!.fingerprint,
      ),
      undefined,
      'the old list is no longer the one counted',
    );

    // A new send to a trap today is counted when the job recomputes the day (it waits a second
    // between computations of a day, so this takes a few passes).
    await store.ingest({
      events: [
        storedEvent({
          type: 'injection',
          ts: T0 + 3 * DAY + 3600,
          rcpt_to: 'gone@gmail.com',
          campaign_id: 'late',
        }),
      ],
      batches: [],
      failures: [],
    });
    const lateRow = {
      where: { column: 'campaign_id', in: ['late'] },
      groupBy: ['day'],
    } satisfies CohortQuery;
    for (let i = 0; i < 50; i++) {
      await job.tick();
      if ((await store.trapAggregate(lateRow, list.fingerprint))?.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const late = await compare(store, list);
    assert.ok(
      late[1]!.some((row) => row.includes('"late"')),
      'the late send has its row',
    );
  } finally {
    await store.close();
  }
});
