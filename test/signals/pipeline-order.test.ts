// Uploads sent in parallel arrive out of order: engagement whose injection comes in a batch
// processed after its own is still enriched, from that injection, when the write is made.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { gzipLines, ingestLine } from './fixtures.js';
import { startPipeline } from './pipelines.js';

async function ingestOutOfOrder(dir: string, maxHeld?: number) {
  const store = await DuckDbStore.open({ path: join(dir, 'events.duckdb'), tmpDir: join(dir, 'tmp') });
  const pipeline = await startPipeline(dir, store, { maxHeld });
  try {
    const ts = String(Math.floor(Date.now() / 1000) - 60);
    const ids = ['late-1', 'late-2', 'late-3'];
    const opens = ids.map((message_id) =>
      ingestLine({ type: 'open', message_id, timestamp: ts }, 'track_event'),
    );
    const injections = ids.map((message_id) =>
      ingestLine({
        type: 'reception',
        message_id,
        timestamp: ts,
        campaign_id: `c-${message_id}`,
        recv_method: 'esmtp',
      }),
    );
    // A click whose message was never injected here is stored too, without inherited fields.
    const orphan = ingestLine({ type: 'click', message_id: 'never-injected', timestamp: ts }, 'track_event');
    await pipeline.accept(gzipLines([...opens, orphan]), { customerId: 1 });
    await pipeline.accept(gzipLines(injections), { customerId: 1 });
    await pipeline.drain();
    const stored = await store.eventsByMessageIds([...ids, 'never-injected']);
    const records = await store.batches({ from: 0, to: Date.now() + 1000, limit: 10 });
    return {
      engagement: stored
        .filter((e) => e.type === 'open' || e.type === 'click')
        .map((e) => [e.message_id, e.campaign_id])
        .sort(),
      succeeded: records.map((r) => [r.status, r.number_succeeded]).sort(),
    };
  } finally {
    await pipeline.stop();
    await store.close();
  }
}

it('enriches opens from an injection uploaded after them, in the same write', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pipeline-order-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { engagement, succeeded } = await ingestOutOfOrder(dir);
  assert.deepEqual(engagement, [
    ['late-1', 'c-late-1'],
    ['late-2', 'c-late-2'],
    ['late-3', 'c-late-3'],
    ['never-injected', undefined],
  ]);
  assert.deepEqual(succeeded, [
    ['success', 3],
    ['success', 4],
  ]);
});

it('writes engagement past the hold-back limit at once, unenriched, and loses none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pipeline-order-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { engagement } = await ingestOutOfOrder(dir, 2);
  assert.deepEqual(engagement, [
    ['late-1', 'c-late-1'],
    ['late-2', 'c-late-2'],
    ['late-3', undefined],
    ['never-injected', undefined],
  ]);
});
