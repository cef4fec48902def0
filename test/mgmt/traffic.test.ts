// The status counters with a clock the test moves: a message with three recipients counts three
// recipients and one message; last minute is the finished minute before this one; the busiest
// minute and hour are kept after they pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutpostEvent } from '../../src/events/index.js';
import { TrafficMeter } from '../../src/mgmt/traffic.js';

const event = (type: OutpostEvent['type'], messageId: string, size = 2048): OutpostEvent => ({
  type,
  timeLogged: 0,
  messageId,
  orig: 'a@b.test',
  rcpt: 'c@d.test',
  size,
});

describe('traffic meter', () => {
  it('counts recipients, messages and kilobytes per minute, hour and in total', () => {
    let now = Date.UTC(2024, 0, 1, 12, 0, 10);
    const meter = new TrafficMeter(() => now);
    for (let i = 0; i < 3; i++) meter.record(event('reception', 'm1'));
    meter.record(event('reception', 'm2'));
    meter.record(event('delivery', 'm1'));
    meter.record(event('bounce', 'm1'));
    meter.record(event('transient', 'm2'));
    assert.deepEqual(meter.snapshot().lastMin, {
      in: { rcp: 0, msg: 0, kb: 0 },
      out: { rcp: 0, msg: 0, kb: 0 },
    });

    now += 60_000;
    meter.record(event('reception', 'm3'));
    const s = meter.snapshot();
    assert.deepEqual(s.lastMin, { in: { rcp: 4, msg: 2, kb: 4 }, out: { rcp: 1, msg: 1, kb: 2 } });
    assert.deepEqual(s.total.in, { rcp: 5, msg: 3, kb: 6 });
    assert.deepEqual(s.topPerMin.in, { rcp: 4, msg: 2, kb: 4 });
    assert.deepEqual(meter.lastMinute(), { received: 4, delivered: 1, bounced: 1, deferred: 1 });

    now += 2 * 3600_000;
    const later = meter.snapshot();
    assert.deepEqual(later.lastHr.in, { rcp: 0, msg: 0, kb: 0 });
    assert.deepEqual(later.topPerHr.in, { rcp: 5, msg: 3, kb: 6 }, 'the busiest hour is remembered');
    assert.deepEqual(later.topPerMin.in, { rcp: 4, msg: 2, kb: 4 });
  });
});
