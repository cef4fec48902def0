// A batch whose processing fails after some of its events were staged (here: the injection lookup
// fails once) is processed again from the journal and stored exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { TRUE } from '../../src/signals/store/query.js';
import { gzipLines, ingestLine } from './fixtures.js';
import { startPipeline } from './pipelines.js';

it('stores a batch that failed after staging once, when it is processed again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pipeline-retry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await DuckDbStore.open({ path: join(dir, 'events.duckdb'), tmpDir: join(dir, 'tmp') });
  let lookups = 0;
  const pipeline = await startPipeline(dir, store, {
    lookups: {
      eventsByMessageIds: async (ids, where) => {
        if (++lookups === 1) throw new Error('store unavailable for a moment');
        return store.eventsByMessageIds(ids, where);
      },
    },
  });
  try {
    const ts = String(Math.floor(Date.now() / 1000) - 60);
    // The deliveries fill the first slices (staged before the lookup); the open at the end needs
    // its message's injection from the store, and that lookup fails the first time.
    // An earlier batch of the same write is staged first: the failed one shares its staging.
    const earlier = [ingestLine({ timestamp: ts }), ingestLine({ timestamp: ts })];
    await pipeline.accept(gzipLines(earlier), { customerId: 1 });
    const lines = Array.from({ length: 4500 }, () => ingestLine({ timestamp: ts }));
    lines.push(ingestLine({ type: 'open', timestamp: ts }, 'track_event'));
    await pipeline.accept(gzipLines(lines), { customerId: 1 });
    await pipeline.drain();
    assert.equal(lookups, 2, 'the lookup failed once and was tried again');
    assert.equal(await store.count(TRUE), 4503);
    const records = await store.batches({ from: 0, to: Date.now() + 1000, limit: 10 });
    assert.deepEqual(
      records.map((r) => [r.status, r.number_succeeded]),
      [
        ['success', 4501],
        ['success', 2],
      ],
    );
  } finally {
    await pipeline.stop();
    await store.close();
  }
});
