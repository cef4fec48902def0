// The cohort rollup job follows today within seconds, except while uploads are backlogged: then it
// recomputes today at most every BUSY_WAIT_MS, and catches up once the backlog is gone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { silentLogger } from '../../src/logging.js';
import { CohortRollupJob } from '../../src/signals/analytics/rollup-job.js';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { DAY, storedEvent, T0 } from './fixtures.js';

it('recomputes today rarely while the ingest has a backlog, at once when it is gone', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'outpost-rollup-job-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = await DuckDbStore.open({ path: join(root, 'events.duckdb'), tmpDir: join(root, 'tmp') });
  t.after(() => store.close());
  const today = T0 - (T0 % DAY);
  const send = (campaign: string) =>
    store.ingest({
      events: [storedEvent({ type: 'injection', ts: today + 3600, campaign_id: campaign })],
      batches: [],
      failures: [],
    });
  const counted = async (campaign: string) =>
    (await store.cohortAggregate({ where: { column: 'campaign_id', in: [campaign] }, groupBy: ['day'] }))
      .length;
  let busy = true;
  const job = new CohortRollupJob({
    store,
    now: () => (today + 7200) * 1000,
    log: silentLogger(),
    retention: 90 * DAY,
    busy: () => busy,
  });
  await send('first');
  await job.tick();
  assert.equal(await counted('first'), 1, 'a day never computed is computed even when busy');
  await send('second');
  await new Promise((r) => setTimeout(r, 1100)); // past the idle wait between computations
  await job.tick();
  assert.equal(await counted('second'), 0, 'not recomputed while the ingest is backlogged');
  busy = false;
  await job.tick();
  assert.equal(await counted('second'), 1, 'recomputed once the backlog is gone');
});
