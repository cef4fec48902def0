import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatches } from '../../../src/events/signals/batches.js';

const line = (ts: number, pad = 0) =>
  `{"msys":{"message_event":{"type":"delivery","timestamp":"${ts}","p":"${'x'.repeat(pad)}"}}}\n`;

describe('signals request batches', () => {
  it('sends a young file as one body without copying it', () => {
    const data = Buffer.from(line(1000) + line(1001) + line(1002));
    const plan = planBatches(data, 0, 5 * 1024 * 1024);
    assert.equal(plan.batches.length, 1);
    assert.equal(plan.batches[0]!.buffer, data.buffer, 'a view of the file, not a copy');
    assert.equal(plan.batches[0]!.length, data.length);
    assert.deepEqual(plan.events, [3]);
    assert.equal(plan.tooOld, 0);
  });

  it('splits at line boundaries so no body exceeds the limit', () => {
    const lines = Array.from({ length: 50 }, (_, i) => line(2000 + i, i * 7));
    const plan = planBatches(Buffer.from(lines.join('')), 0, 600);
    assert.ok(plan.batches.length > 3);
    for (const batch of plan.batches) assert.ok(batch.length <= 600);
    assert.equal(plan.batches.map((b) => b.toString()).join(''), lines.join(''));
    assert.equal(
      plan.events.reduce((a, b) => a + b),
      50,
    );
  });

  it('leaves out events older than the oldest accepted time, counting them, and skips blank lines', () => {
    const data = Buffer.from(line(999) + line(1000) + '\n' + line(998) + line(1500));
    const plan = planBatches(data, 1000_000, 5 * 1024 * 1024);
    assert.equal(plan.tooOld, 2);
    assert.equal(plan.batches.length, 1);
    assert.equal(plan.batches[0]!.toString(), line(1000) + line(1500));
    assert.deepEqual(plan.events, [2]);
  });

  it('an empty or all-old file plans nothing', () => {
    assert.deepEqual(planBatches(Buffer.alloc(0), 0, 100), { batches: [], events: [], tooOld: 0 });
    assert.deepEqual(planBatches(Buffer.from(line(5)), 10_000, 1000).batches, []);
  });
});
