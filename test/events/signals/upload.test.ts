import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { systemClock } from '../../../src/events/signals/index.js';
import { ALL_TYPES, INGEST_EVENT_TYPES, makeEvent, mixedEvents } from './helpers/events.js';
import { nextTurn, setup, waitFor } from './helpers/setup.js';

const NAME = /^sp1-[0-9a-f]{16}\.json$/;

describe('signals upload: staged files to a real ingest receiver', () => {
  it('uploads every event type once, gzip NDJSON with the ingest headers, and logs as PowerMTA', async (t) => {
    const { receiver, connector, bus, dir, clock, log } = await setup(t);
    for (const type of ALL_TYPES) bus.emit(makeEvent(type, { timeLogged: clock.now() - 1000 }));
    await nextTurn();
    const staging = readdirSync(dir);
    assert.equal(staging.length, 1);
    assert.match(staging[0]!, /^sp1-[0-9a-f]{16}\.json\.tmp$/, 'the open file is not yet visible as staged');

    clock.advance(60_000);
    await connector.whenIdle();
    assert.deepEqual(receiver.problems, []);
    assert.equal(receiver.requests.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.headers['content-type'], 'application/x-ndjson');
    assert.equal(request.headers['content-encoding'], 'gzip');
    assert.equal(request.headers.authorization, receiver.apiKey);
    assert.ok(request.compressedBytes < request.uncompressedBytes);
    assert.deepEqual(
      receiver.events.map((e) => e.type),
      [
        'reception',
        'delivery',
        'inband',
        'tempfail',
        'rejection',
        'outofband',
        'feedback',
        'initial_open',
        'open',
        'click',
      ],
    );
    assert.deepEqual(receiver.duplicates(), []);
    assert.deepEqual(readdirSync(dir), [], 'a file is deleted once the receiver acknowledged it');
    assert.equal(connector.stats.uploaded, INGEST_EVENT_TYPES.length);
    assert.equal(connector.stats.staged, INGEST_EVENT_TYPES.length);

    const [discovered, transferred, summary] = log.messages();
    const name = discovered!.replace('Signals: Discovered ', '');
    assert.match(name, NAME);
    assert.equal(transferred, `Signals: Transferred ${name} successfully`);
    assert.equal(summary, 'Signals: Discovered 1 file, transferred 1 file successfully');

    clock.advance(60_000);
    await connector.whenIdle();
    assert.equal(log.messages().at(-1), 'Signals: Discovered 0 files', 'an idle minute says so');
    assert.equal(receiver.requests.length, 1, 'nothing is sent when nothing is staged');
  });

  it('keeps each request at or under 5 MB uncompressed and sends full files without waiting', async (t) => {
    const { receiver, connector, bus, dir } = await setup(t, {
      options: { clock: systemClock, uploadIntervalMs: 3_600_000 },
    });
    const total = 24_000; // about 15 MB of NDJSON
    for (const event of mixedEvents(total, Date.now())) bus.emit(event);
    // The interval is an hour: a request now means full files are sent as soon as they are full.
    await waitFor(() => receiver.requests.length >= 1, 'a full file to be sent before the interval', 60_000);
    await connector.uploadNow();
    assert.deepEqual(receiver.problems, []);
    assert.equal(receiver.events.length, total);
    assert.deepEqual(receiver.duplicates(), []);
    const sizes = receiver.requests.map((r) => r.uncompressedBytes);
    assert.ok(sizes.length >= 3, 'about 15 MB needs at least 3 requests');
    for (const size of sizes) assert.ok(size <= 5 * 1024 * 1024);
    for (const size of sizes.slice(0, -1))
      assert.ok(size > 4.9 * 1024 * 1024, 'files are filled up to the limit');
    for (const request of receiver.requests) assert.ok(request.uncompressedBytes <= 5 * 1024 * 1024);
    assert.ok(
      receiver.requests[0]!.uncompressedBytes > 4.9 * 1024 * 1024,
      'files are filled up to the limit',
    );
    const recipients = new Set(receiver.events.map((e) => e.rcpt_to));
    assert.equal(recipients.size, total);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('uploads several staged files oldest first, one request each, and counts them in the summary', async (t) => {
    const { receiver, connector, bus, clock, log } = await setup(t, { options: { maxRequestBytes: 4096 } });
    for (const event of mixedEvents(30, clock.now())) bus.emit(event);
    await nextTurn();
    await connector.uploadNow();
    assert.deepEqual(receiver.problems, []);
    assert.equal(receiver.events.length, 30);
    const transferred = log.messages().filter((m) => m.startsWith('Signals: Transferred'));
    assert.equal(transferred.length, receiver.requests.length);
    assert.deepEqual(transferred, [...transferred].sort(), 'oldest (lowest name) first');
    assert.equal(
      log.messages().at(-1),
      `Signals: Discovered ${transferred.length} files, transferred ${transferred.length} files successfully`,
    );
    assert.deepEqual(
      receiver.events.map((e) => e.rcpt_to),
      mixedEvents(30, 0).map((e) => e.rcpt),
      'events arrive in the order they happened',
    );
  });

  it('logs nothing per upload without log-verbose, but still logs errors', async (t) => {
    const { receiver, connector, bus, clock, log } = await setup(t, { signals: 'log-verbose false' });
    bus.emit(makeEvent('delivery', { timeLogged: clock.now() }));
    await connector.uploadNow();
    assert.equal(receiver.events.length, 1);
    assert.deepEqual(log.messages(), []);
    receiver.behaviour = () => ({ status: 500, body: 'oops' });
    bus.emit(makeEvent('delivery', { timeLogged: clock.now() }));
    await connector.uploadNow();
    assert.match(log.errors()[0]!, /^Signals: Error transferring sp1-[0-9a-f]{16}\.json: HTTP 500 oops$/);
  });
});
