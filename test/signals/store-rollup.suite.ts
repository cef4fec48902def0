// The engines' pre-aggregated tables (store/rollup.ts) must give exactly the answers of the events
// table. Generated events (many hours, late writes, absent values, every measure of the metrics
// API) are written in several chunks, then every query is asked twice: as is, which an engine may
// answer from its rollups, and with `rawOnly`, which it answers from the events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASE } from '../../src/signals/metrics-api/definitions.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import {
  type AggregateQuery,
  and,
  type GroupKey,
  type TimeBucket,
  timeRange,
} from '../../src/signals/store/query.js';
import type { EventStore } from '../../src/signals/store/types.js';
import { seededRandom } from '../helpers/prng.js';
import { DAY, storedEvent, T0 } from './fixtures.js';

type Open = () => Promise<EventStore>;

const HOUR = 3600;
const TYPES = [
  'injection',
  'delivery',
  'bounce',
  'out_of_band',
  'delay',
  'open',
  'initial_open',
  'click',
] as const;

/** Three days of events; some messages engage several times, some fields are absent. */
function generate(count: number): StoredEvent[] {
  const random = seededRandom(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: count }, (_, i) =>
    storedEvent({
      ts: T0 + Math.floor(random() * 3 * DAY),
      type: pick(TYPES),
      message_id: `m${Math.floor(random() * (count / 3))}`,
      campaign_id: pick(['spring', 'autumn', 'winter', '']),
      ip_pool: pick(['hot', 'warm']),
      mailbox_provider: pick(['Gmail', 'Yahoo', '']),
      subaccount_id: pick([0, 0, 7]),
      bounce_class: pick([undefined, 10, 21, 25, 50]),
      num_retries: pick([undefined, 0, 2]),
      prefetched: pick([undefined, true, false]),
      queue_time: Math.floor(random() * 5000),
      msg_size: Math.floor(random() * 90000),
      ...(i % 97 === 0 ? { message_id: undefined as unknown as string } : {}),
    }),
  );
}

const zone = (offset: number, change?: { at: number; offset: number }): TimeBucket => ({
  size: 0,
  offsets: [{ from: 0, offset }, ...(change ? [{ from: change.at, offset: change.offset }] : [])],
});
const sized = (size: number, b: TimeBucket): GroupKey => ({ bucket: { ...b, size } as TimeBucket });

function queries(): Array<[string, AggregateQuery]> {
  const measures = BASE;
  const window = timeRange(T0 + 2 * HOUR, T0 + 2 * DAY + 5 * HOUR);
  const utc = zone(0);
  const newYork = zone(-5 * HOUR, { at: T0 + DAY + 7 * HOUR, offset: -4 * HOUR });
  const india = zone(19800);
  return [
    ['summary, whole hours', { where: window, groupBy: [], measures }],
    ['by campaign', { where: window, groupBy: [{ column: 'campaign_id' }], measures }],
    [
      'hourly, one pool',
      { where: and(window, { column: 'ip_pool', in: ['hot'] }), groupBy: [sized(HOUR, utc)], measures },
    ],
    ['daily, New York with a DST change', { where: window, groupBy: [sized(DAY, newYork)], measures }],
    ['daily, India (+5:30: not whole hours)', { where: window, groupBy: [sized(DAY, india)], measures }],
    [
      'weekly by provider',
      {
        where: window,
        groupBy: [{ bucket: { calendar: 'week' } }, { column: 'mailbox_provider' }],
        measures,
      },
    ],
    ['minute precision', { where: window, groupBy: [sized(60, utc)], measures: { n: { count: true } } }],
    [
      'a window not on whole hours',
      { where: timeRange(T0 + 1234, T0 + DAY + 99), groupBy: [{ column: 'subaccount_id' }], measures },
    ],
    [
      'unique opens only, by campaign',
      {
        where: window,
        groupBy: [{ column: 'campaign_id' }],
        measures: { u: BASE.unique_rendered!, c: BASE.unique_clicked!, np: BASE.np_unique_confirmed_opened! },
      },
    ],
    [
      'measures testing a facet (no pre-aggregation)',
      {
        where: window,
        groupBy: [{ column: 'ip_pool' }],
        measures: {
          spring: { count: true, where: { column: 'campaign_id', in: ['spring'] } },
          time: { sum: 'queue_time', where: { column: 'mailbox_provider', in: ['Gmail'] } },
          size: { sum: 'msg_size' },
        },
      },
    ],
    [
      'filtered on a column the rollup lacks',
      { where: and(window, { column: 'rcpt_to', in: ['user5@gmail.com'] }), groupBy: [], measures },
    ],
  ];
}

async function assertSame(store: EventStore, label: string): Promise<void> {
  for (const [name, query] of queries()) {
    const fast = await store.aggregate(query);
    const raw = await store.aggregate({ ...query, rawOnly: true });
    const sort = (rows: typeof fast) =>
      [...rows].sort((a, b) => (JSON.stringify(a.keys) < JSON.stringify(b.keys) ? -1 : 1));
    assert.deepEqual(sort(fast), sort(raw), `${label}: ${name}`);
    assert.ok(raw.length > 0, `${label}: ${name} has rows`);
  }
}

export function rollupSuite(engine: string, open: Open): void {
  describe(`event store rollups: ${engine}`, () => {
    it('answer exactly as the events do, after late writes and after retention', async () => {
      const store = await open();
      const events = generate(6000);
      // Written newest chunk first, so older hours are written after newer ones (late events).
      const chunks = [events.slice(4000), events.slice(0, 1500), events.slice(1500, 4000)];
      for (const chunk of chunks) await store.ingest({ events: chunk, batches: [], failures: [] });
      await assertSame(store, 'after ingest');
      await store.dropEventDaysBefore(T0 + DAY + 5 * HOUR);
      await assertSame(store, 'after retention');
      const left = await store.aggregate({
        where: timeRange(0, T0 + DAY),
        groupBy: [],
        measures: { n: { count: true } },
      });
      assert.equal(left[0]?.values.n ?? 0, 0, 'the dropped day is gone from every table');
      await store.close();
    });
  });
}
