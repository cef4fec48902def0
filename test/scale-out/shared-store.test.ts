// Two Signals servers share one ClickHouse database, so each runs its own cohort rollup job over the
// same tables. Two computations of one day that pick the same version must not add up: the rows of
// one version would otherwise be counted twice in every Signals report. Two stores stand for the two
// servers; their clocks are frozen on the same millisecond, the worst case.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { cohortSpec } from '../../src/signals/analytics/rollup-spec.js';
import { ClickHouseStore } from '../../src/signals/store/clickhouse/store.js';
import { timeRange } from '../../src/signals/store/query.js';
import { type ClickHouseServer, startClickHouse } from '../helpers/clickhouse.js';
import { DAY, storedEvent, T0 } from '../signals/fixtures.js';

let server: ClickHouseServer;
before(async () => {
  server = await startClickHouse();
});
after(() => server?.stop());

it('two servers computing the same day at the same millisecond count each send once', async (t) => {
  const open = () => ClickHouseStore.open({ url: server.url, database: 'shared_rollup' });
  const [a, b] = [await open(), await open()];
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const sends = Array.from({ length: 5 }, (_, i) =>
    storedEvent({ type: 'injection', rcpt_to: `r${i}@gmail.com`, ts: T0 + 3600 + i, campaign_id: 'c1' }),
  );
  await a.ingest({ events: sends, batches: [], failures: [] });
  t.mock.method(Date, 'now', () => (T0 + DAY) * 1000);
  await Promise.all([
    a.computeCohortDay(cohortSpec(T0, T0 + DAY, false)),
    b.computeCohortDay(cohortSpec(T0, T0 + DAY, false)),
  ]);
  for (const store of [a, b]) {
    const rows = await store.cohortAggregate({ where: timeRange(T0, T0 + DAY), groupBy: ['campaign_id'] });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.values.injected, 5);
  }
});
