import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigValueError,
  parseBoolean,
  parseHostPort,
  parseInterval,
  parseIntervalList,
  parseIntervalOrNever,
  parseRate,
  parseSize,
  parseSizeLimit,
  parseVolumeRate,
} from '../../src/config/values.js';

const rejects = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ConfigValueError && message.test(e.message));

describe('config value types', () => {
  it('reads booleans in all four spellings and rejects anything else', () => {
    assert.deepEqual(['yes', 'true', 'YES', 'no', 'false', 'False'].map(parseBoolean), [
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    rejects(() => parseBoolean('on'), /invalid boolean "on"/);
  });

  it('reads time intervals as seconds', () => {
    assert.equal(parseInterval('4d12h'), 4 * 86400 + 12 * 3600);
    assert.equal(parseInterval('1w2d12h'), 7 * 86400 + 2 * 86400 + 12 * 3600);
    assert.equal(parseInterval('300s'), 300);
    assert.equal(parseInterval('10m'), 600);
    assert.equal(parseInterval('45'), 45);
    assert.equal(parseIntervalOrNever('never'), Number.POSITIVE_INFINITY);
    rejects(() => parseInterval('10x'), /invalid time interval/);
    rejects(() => parseInterval('m10'), /invalid time interval/);
    rejects(() => parseInterval(''), /invalid time interval/);
  });

  it('reads interval lists of up to 30 entries', () => {
    assert.deepEqual(parseIntervalList('10m,10m,1h'), [600, 600, 3600]);
    assert.equal(parseIntervalList(Array(30).fill('1m').join(',')).length, 30);
    rejects(() => parseIntervalList(Array(31).fill('1m').join(',')), /too many intervals/);
    rejects(() => parseIntervalList('10m,,1h'), /invalid time interval/);
  });

  it('reads sizes with binary units, case-insensitive', () => {
    assert.equal(parseSize('1G'), 1024 ** 3);
    assert.equal(parseSize('50M'), 50 * 1024 ** 2);
    assert.equal(parseSize('40k'), 40 * 1024);
    assert.equal(parseSize('512'), 512);
    assert.equal(parseSize('unlimited'), Number.POSITIVE_INFINITY);
    assert.equal(parseSizeLimit('0'), Number.POSITIVE_INFINITY);
    rejects(() => parseSize('10 MB'), /invalid size/);
    rejects(() => parseSize('-1M'), /invalid size/);
  });

  it('reads rates, including v5 multipliers in the denominator', () => {
    assert.deepEqual(parseRate('1/min'), { count: 1, seconds: 60 });
    assert.deepEqual(parseRate('83/10m'), { count: 83, seconds: 600 });
    assert.deepEqual(parseRate('500/h'), { count: 500, seconds: 3600 });
    assert.deepEqual(parseRate('6/sec'), { count: 6, seconds: 1 });
    assert.deepEqual(parseRate('24000/day'), { count: 24000, seconds: 86400 });
    assert.equal(parseRate('unlimited').count, Number.POSITIVE_INFINITY);
    assert.equal(parseRate('0').count, Number.POSITIVE_INFINITY);
    rejects(() => parseRate('5/fortnight'), /invalid rate/);
    rejects(() => parseRate('5'), /invalid rate/);
    rejects(() => parseRate('5/0m'), /cannot be zero/);
  });

  it('reads volume rates in bytes per period', () => {
    assert.deepEqual(parseVolumeRate('10g/2h'), { count: 10 * 1024 ** 3, seconds: 7200 });
    assert.deepEqual(parseVolumeRate('1024K/15s'), { count: 1024 * 1024, seconds: 15 });
  });

  it('reads listener addresses', () => {
    assert.deepEqual(parseHostPort('0.0.0.0:587'), { host: '0.0.0.0', port: 587 });
    assert.deepEqual(parseHostPort('[::1]:25'), { host: '::1', port: 25 });
    rejects(() => parseHostPort('127.0.0.1'), /expected IP:PORT/);
    rejects(() => parseHostPort('127.0.0.1:70000'), /invalid port/);
  });
});
