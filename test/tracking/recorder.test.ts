import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/logging.js';
import type { TrackingEvent } from '../../src/tracking/endpoint/event.js';
import { TrackingRecorder } from '../../src/tracking/endpoint/recorder.js';

const event = (n: number): TrackingEvent => ({
  type: 'open',
  ts: 1_700_000_000,
  event_id: String(n),
  customer_id: 1,
  subaccount_id: 0,
  message_id: '0000aabbccdd11223344',
  rcpt_to: 'r@example.org',
  raw_rcpt_to: 'r@example.org',
  recipient_domain: 'example.org',
  delv_method: 'esmtp',
  ip_address: '127.0.0.1',
});

class Sink {
  writes: number[][] = [];
  failuresLeft = 0;
  slow = 0;
  async write(events: TrackingEvent[]): Promise<void> {
    if (this.slow) await new Promise((r) => setTimeout(r, this.slow));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('down');
    }
    this.writes.push(events.map((e) => Number(e.event_id)));
  }
}

describe('tracking recorder', () => {
  it('groups hits that arrive while a write is in flight, in order', async () => {
    const sink = new Sink();
    sink.slow = 20;
    const recorder = new TrackingRecorder({ sink, log: silentLogger(), batchSize: 100, lingerMs: 1 });
    for (let i = 0; i < 250; i++) recorder.record(event(i));
    await recorder.flush();
    assert.deepEqual(
      sink.writes.map((w) => w.length),
      [100, 100, 50],
    );
    assert.deepEqual(
      sink.writes.flat(),
      Array.from({ length: 250 }, (_, i) => i),
    );
    assert.deepEqual(recorder.stats, { recorded: 250, written: 250, queued: 0, dropped: 0, failedWrites: 0 });
  });

  it('waits a little for company when traffic is light', async () => {
    const sink = new Sink();
    const recorder = new TrackingRecorder({ sink, log: silentLogger(), lingerMs: 30 });
    recorder.record(event(1));
    await new Promise((r) => setTimeout(r, 5));
    recorder.record(event(2));
    assert.equal(sink.writes.length, 0);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(sink.writes, [[1, 2]]);
  });

  it('retries failed writes with backoff and loses nothing', async () => {
    const sink = new Sink();
    sink.failuresLeft = 3;
    const recorder = new TrackingRecorder({ sink, log: silentLogger(), lingerMs: 1, retryMs: [5, 10] });
    for (let i = 0; i < 10; i++) recorder.record(event(i));
    await recorder.flush();
    assert.deepEqual(
      sink.writes.flat(),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.equal(recorder.stats.failedWrites, 3);
  });

  it('drops and counts hits beyond its limit while the sink is down', async () => {
    const sink = new Sink();
    sink.failuresLeft = 1_000;
    const recorder = new TrackingRecorder({
      sink,
      log: silentLogger(),
      maxQueued: 5,
      lingerMs: 1,
      retryMs: [5, 5],
    });
    for (let i = 0; i < 8; i++) recorder.record(event(i));
    assert.equal(recorder.stats.dropped, 3);
    sink.failuresLeft = 0;
    await recorder.flush();
    assert.deepEqual(sink.writes.flat(), [0, 1, 2, 3, 4]);
  });

  it('tries once more at shutdown and reports what could not be stored', async () => {
    const sink = new Sink();
    sink.failuresLeft = 1_000;
    const recorder = new TrackingRecorder({
      sink,
      log: silentLogger(),
      lingerMs: 1,
      retryMs: [60_000, 60_000],
    });
    recorder.record(event(1));
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    assert.equal(await recorder.stop(), 1);
    assert.ok(Date.now() - started < 1000, 'stop does not wait out the retry delay');

    const healthy = new Sink();
    const second = new TrackingRecorder({ sink: healthy, log: silentLogger(), lingerMs: 60_000 });
    second.record(event(2));
    assert.equal(await second.stop(), 0);
    assert.deepEqual(healthy.writes, [[2]]);
  });
});
