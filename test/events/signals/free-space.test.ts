import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mixedEvents } from './helpers/events.js';
import { nextTurn, setup } from './helpers/setup.js';

const MB = 1024 * 1024;

describe('signals min-free-space: oldest staged files go first, every lost event is counted', () => {
  it('deletes the oldest files until there is room, then drops new events while none is left', async (t) => {
    let disk = Number.MAX_SAFE_INTEGER; // what the disk has, before the staged files take their share
    const stagedBytes = (dir: string) =>
      readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    const s = await setup(t, {
      signals: 'min-free-space 10M',
      options: { freeSpace: async (dir) => disk - stagedBytes(dir) },
    });
    const { receiver, connector, bus, dir, clock, log } = s;
    receiver.behaviour = () => ({ status: 503, body: 'maintenance' });
    for (const count of [10, 20, 30]) {
      for (const event of mixedEvents(count, clock.now())) bus.emit(event);
      await connector.uploadNow();
    }
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 3);
    const size = (name: string) => statSync(join(dir, name)).size;

    // Room for the newest file only: the two oldest (10 and 20 events) must go.
    disk = 10 * MB + size(files[2]!) + 1;
    await connector.uploadNow();
    assert.deepEqual(readdirSync(dir), [files[2]]);
    assert.equal(connector.stats.dropped.freeSpace, 30);
    const deleted = log.entries.find((e) => /below min-free-space/.test(e.msg))!;
    assert.match(
      deleted.msg,
      /free space under .* is 10\.0 MB, below min-free-space 10\.0 MB: deleted 2 staged file\(s\), oldest first; 30 event\(s\) dropped/,
    );
    assert.deepEqual(deleted.deleted, files.slice(0, 2));

    // The disk fills up entirely: the last file goes, and new events cannot be staged.
    disk = MB;
    await connector.uploadNow();
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(connector.stats.dropped.freeSpace, 60);
    assert.ok(
      log
        .errors()
        .includes(
          'Signals: still below min-free-space with nothing left to delete: new events are dropped until there is room',
        ),
    );
    for (const event of mixedEvents(5, clock.now())) bus.emit(event);
    await nextTurn();
    assert.equal(connector.stats.dropped.freeSpace, 65);
    assert.deepEqual(readdirSync(dir), []);

    // Space comes back: staging resumes and the receiver gets what came after.
    disk = 100 * MB;
    receiver.behaviour = () => ({ status: 200 });
    await connector.uploadNow();
    assert.ok(log.messages().includes('Signals: free space is back above min-free-space: staging resumed'));
    assert.ok(
      log.messages().includes('Signals: dropped 5 event(s) while free space was below min-free-space'),
    );
    for (const event of mixedEvents(7, clock.now())) bus.emit(event);
    await connector.uploadNow();
    assert.equal(receiver.events.length, 7);
    assert.equal(connector.stats.dropped.freeSpace, 65);
  });

  it('checks when a full file is rolled, not only once a minute', async (t) => {
    let free = Number.MAX_SAFE_INTEGER;
    const { connector, bus, clock, receiver, dir } = await setup(t, {
      options: { maxRequestBytes: 4096, freeSpace: async () => free },
    });
    receiver.behaviour = () => ({ status: 503 });
    for (const event of mixedEvents(10, clock.now())) bus.emit(event);
    await nextTurn();
    free = 0;
    for (const event of mixedEvents(10, clock.now())) bus.emit(event);
    await nextTurn();
    await connector.whenIdle();
    assert.ok(connector.stats.dropped.freeSpace > 0, 'a size roll ran the check');
    assert.equal(receiver.requests.length, 0, 'no upload cycle was needed for it');
    assert.ok(
      readdirSync(dir).every((f) => f.endsWith('.tmp')),
      'only the open file is left',
    );
  });
});
