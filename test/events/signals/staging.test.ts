import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Stager } from '../../../src/events/signals/stager.js';
import { tempDir } from '../../helpers/tmp.js';
import { ManualClock } from './helpers/clock.js';
import { makeEvent, mixedEvents } from './helpers/events.js';
import { nextTurn, setup } from './helpers/setup.js';

function stager(dir: string, clock = new ManualClock(), maxFileBytes = 1000) {
  const rolled: string[] = [];
  const s = new Stager({
    dir,
    clock,
    maxFileBytes,
    maxFileAgeMs: 60_000,
    onRolled: (name, reason) => rolled.push(`${reason} ${name}`),
  });
  return { s, rolled, clock };
}

describe('signals staging files', () => {
  it('rolls by size, keeping whole lines and every file at or under the limit', (t) => {
    const dir = tempDir(t);
    const { s, rolled } = stager(dir);
    s.open();
    const lines = Array.from({ length: 40 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i * 3)}"}`);
    for (const line of lines) assert.equal(s.append(line), true);
    assert.equal(s.append(`"${'y'.repeat(1000)}"`), false, 'a line longer than a request is refused');
    s.close();
    const files = readdirSync(dir).sort();
    assert.ok(files.length > 3);
    assert.ok(rolled.every((r) => r.startsWith('size ')));
    const contents = files.map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const text of contents) {
      assert.ok(Buffer.byteLength(text) <= 1000);
      assert.ok(text.endsWith('\n'));
    }
    assert.deepEqual(contents.join('').split('\n').slice(0, -1), lines);
  });

  it('rolls a file once it is older than the upload interval', async (t) => {
    const dir = tempDir(t);
    const { s, rolled, clock } = stager(dir, new ManualClock(), 1 << 20);
    s.open();
    s.append('{"a":1}');
    await nextTurn();
    clock.advance(59_000);
    s.append('{"a":2}');
    await nextTurn();
    assert.deepEqual(rolled, []);
    clock.advance(1_000);
    s.append('{"a":3}');
    await nextTurn();
    assert.equal(rolled.length, 1);
    assert.match(rolled[0]!, /^age sp1-/);
    s.close();
    assert.equal(readdirSync(dir).length, 2);
  });

  it('names files sp1-<16 hex>.json in creation order, even when the clock steps back', (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const { s } = stager(dir, clock, 20);
    s.open();
    for (let i = 0; i < 5; i++) {
      s.append(`{"i":${i}}`);
      s.flush();
      s.roll();
      clock.time -= 10_000;
    }
    const names = readdirSync(dir);
    assert.equal(names.length, 5);
    for (const name of names) assert.match(name, /^sp1-[0-9a-f]{16}\.json$/);
    const order = names.sort().map((n) => readFileSync(join(dir, n), 'utf8').trim());
    assert.deepEqual(order, ['{"i":0}', '{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}']);
    // A new process whose clock is behind still names after what is on disk.
    const later = stager(dir, new ManualClock(0), 20).s;
    later.open();
    later.append('{"i":5}');
    later.close();
    const newest = readdirSync(dir).sort().at(-1)!;
    assert.ok(newest > names.at(-1)!, `${newest} sorts after ${names.at(-1)}`);
  });

  it('a write that fails halfway (disk full) loses only those lines, counted, and leaves no broken line', (t) => {
    const dir = tempDir(t);
    let failNext = false;
    const lost: number[] = [];
    const s = new Stager({
      dir,
      clock: new ManualClock(),
      maxFileBytes: 1 << 20,
      maxFileAgeMs: 60_000,
      onWriteError: (_error, lines) => lost.push(lines),
      writeAt: (fd, buffer, offset, length, position) => {
        if (!failNext) return writeSync(fd, buffer, offset, length, position);
        failNext = false;
        writeSync(fd, buffer, offset, Math.floor(length / 2), position);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    });
    s.open();
    s.append('{"a":1}');
    s.flush();
    failNext = true;
    s.append('{"b":2}');
    s.append('{"b":3}');
    s.flush();
    s.append('{"c":4}');
    s.close();
    assert.deepEqual(lost, [2]);
    const [file] = readdirSync(dir);
    assert.equal(readFileSync(join(dir, file!), 'utf8'), '{"a":1}\n{"c":4}\n');
  });

  it('finishes a file a killed process left open, cutting off a half-written last line', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'sp1-0000000000010000.json.tmp'), '{"a":1}\n{"a":2}\n{"a":');
    writeFileSync(join(dir, 'sp1-0000000000020000.json.tmp'), '{"a":');
    writeFileSync(join(dir, 'sp1-0000000000030000.json.tmp'), '');
    writeFileSync(join(dir, 'sp1-0000000000040000.json.rewrite'), '{"half":');
    writeFileSync(join(dir, 'sp1-0000000000040000.json'), '{"b":1}\n');
    const { s } = stager(dir);
    assert.deepEqual(s.open(), { files: 3, partialLines: 2 });
    assert.deepEqual(readdirSync(dir).sort(), ['sp1-0000000000010000.json', 'sp1-0000000000040000.json']);
    assert.equal(readFileSync(join(dir, 'sp1-0000000000010000.json'), 'utf8'), '{"a":1}\n{"a":2}\n');
  });

  it('never stages an event that is already over 24 hours old, and says so once per cycle', async (t) => {
    const { connector, bus, clock, receiver, log } = await setup(t);
    bus.emit(makeEvent('delivery', { timeLogged: clock.now() - 25 * 3600_000 }));
    bus.emit(makeEvent('delivery', { timeLogged: clock.now() - 25 * 3600_000 }));
    bus.emit(makeEvent('delivery', { timeLogged: clock.now() - 3600_000 }));
    await connector.uploadNow();
    assert.equal(receiver.events.length, 1);
    assert.equal(connector.stats.dropped.tooOld, 2);
    assert.ok(
      log
        .messages()
        .includes(
          'Signals: dropped 2 event(s) older than 24 hours before staging them; the ingest API refuses them',
        ),
    );
  });

  it('drops staged events that turned 24 hours old while the receiver was away, and logs it', async (t) => {
    const { connector, bus, clock, receiver, log, dir } = await setup(t, {
      options: { backoff: { initialMs: 3600_000, maxMs: 3600_000 } },
    });
    receiver.behaviour = () => ({ status: 503 });
    for (const event of mixedEvents(20, clock.now())) bus.emit(event);
    await connector.uploadNow();
    clock.advance(20 * 3600_000);
    for (const event of mixedEvents(5, clock.now())) bus.emit(event);
    await connector.uploadNow();
    receiver.behaviour = () => ({ status: 200 });
    clock.advance(4 * 3600_000 + 1000);
    await connector.uploadNow();
    assert.equal(receiver.events.length, 5, 'only the young events are sent');
    assert.equal(connector.stats.dropped.tooOld, 20);
    assert.ok(
      log.entries.some(
        (e) =>
          e.level === 40 &&
          /: dropped 20 events older than 24 hours, which the ingest API refuses$/.test(e.msg),
      ),
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});
