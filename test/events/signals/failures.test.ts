import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { makeEvent, mixedEvents } from './helpers/events.js';
import { nextTurn, setup } from './helpers/setup.js';

const staged = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('signals upload failures: files stay until a 2xx, retries back off', () => {
  it('keeps the file on a 500, logs status and body, retries with growing delays until it is accepted', async (t) => {
    const { receiver, connector, bus, dir, clock, log } = await setup(t, {
      options: { backoff: { initialMs: 30_000, maxMs: 600_000 } },
    });
    let failuresLeft = 3;
    receiver.behaviour = () =>
      failuresLeft-- > 0
        ? { status: 500, body: '{"errors":[{"message":"internal error"}]}' }
        : { status: 200 };
    for (const event of mixedEvents(10, clock.now())) bus.emit(event);
    await nextTurn();

    const delays: Array<number | undefined> = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      clock.advance(clock.nextDueIn()!);
      await connector.whenIdle();
      delays.push(clock.nextDueIn());
      if (attempt < 3) assert.equal(staged(dir).length, 1, 'the file is kept after a failure');
    }
    assert.deepEqual(delays, [30_000, 60_000, 120_000, 60_000], 'backoff doubles, then back to the interval');
    assert.equal(receiver.events.length, 10);
    assert.deepEqual(receiver.duplicates(), []);
    assert.deepEqual(staged(dir), []);
    assert.equal(connector.stats.failedRequests, 3);
    assert.match(
      log.errors()[0]!,
      /^Signals: Error transferring sp1-[0-9a-f]{16}\.json: HTTP 500 \{"errors":\[\{"message":"internal error"\}\]\}$/,
    );
    assert.equal(log.entries.find((e) => e.level >= 50)?.status, 500);
  });

  it('treats a receiver that never answers as a failure after the request timeout', async (t) => {
    const { receiver, connector, bus, dir, clock, log } = await setup(t, {
      options: { requestTimeoutMs: 300 },
    });
    let first = true;
    receiver.behaviour = () => {
      const answer = first ? 'hang' : { status: 200 };
      first = false;
      return answer;
    };
    bus.emit(makeEvent('delivery', { timeLogged: clock.now() }));
    const started = Date.now();
    await connector.uploadNow();
    assert.ok(Date.now() - started >= 290, 'it waited for the timeout');
    assert.match(log.errors()[0]!, /Error transferring sp1-.*: no answer within 300 ms; will retry/);
    assert.equal(staged(dir).length, 1);
    await connector.uploadNow();
    assert.equal(receiver.events.length, 1);
    assert.deepEqual(staged(dir), []);
  });

  it('logs a refused api-key (401) loudly, keeps every file, and sends them once the key works', async (t) => {
    const { receiver, connector, bus, dir, clock, log } = await setup(t, {
      apiKey: 'ffffffffffffffffffffffffffffffffffffffff',
      options: { maxRequestBytes: 2048 },
    });
    for (const event of mixedEvents(12, clock.now())) bus.emit(event);
    await connector.uploadNow();
    assert.equal(receiver.unauthorized, 1, 'it stops at the first refusal instead of trying every file');
    assert.ok(staged(dir).length > 1);
    const error = log.entries.find((e) => e.level >= 50)!;
    assert.match(
      error.msg,
      /HTTP 401 \{"errors":\[\{"message":"Unauthorized\."\}\]\} -- the upload-url refused the api-key; staged files are kept/,
    );
    assert.equal(connector.stats.uploaded, 0);
    // The operator fixes the key on the receiving side; the next retry goes through.
    (receiver as { apiKey: string }).apiKey = 'ffffffffffffffffffffffffffffffffffffffff';
    await connector.uploadNow();
    assert.equal(receiver.events.length, 12);
    assert.deepEqual(staged(dir), []);
  });

  it('a request-specific 4xx keeps that file and still sends the ones after it', async (t) => {
    const { receiver, connector, bus, dir, clock } = await setup(t, { options: { maxRequestBytes: 2048 } });
    receiver.behaviour = (request) =>
      request.events.some((e) => e.rcpt_to === 'user0@example.org')
        ? { status: 422, body: 'bad batch' }
        : { status: 200 };
    for (const event of mixedEvents(12, clock.now())) bus.emit(event);
    await connector.uploadNow();
    assert.equal(staged(dir).length, 1, 'only the refused file is left');
    assert.equal(receiver.events.length + receiver.requests[0]!.events.length, 12);
  });

  it('survives a receiver that is down for minutes: every event arrives exactly once when it is back', async (t) => {
    const { receiver, connector, bus, dir, clock, log } = await setup(t, {
      options: { backoff: { initialMs: 30_000, maxMs: 120_000 } },
    });
    await receiver.close();
    let emitted = 0;
    const delays: number[] = [];
    // Eight minutes of traffic against a dead port.
    while (clock.now() < Date.UTC(2025, 5, 1, 12, 8, 0)) {
      for (const event of mixedEvents(25, clock.now())) {
        bus.emit({ ...event, rcpt: `r${emitted++}@example.org` });
      }
      await nextTurn();
      const wait = clock.nextDueIn()!;
      delays.push(wait);
      clock.advance(wait);
      await connector.whenIdle();
    }
    assert.deepEqual(delays.slice(0, 5), [60_000, 30_000, 60_000, 120_000, 120_000], 'backoff is capped');
    assert.equal(receiver.events.length, 0);
    assert.ok(staged(dir).length >= 5, 'each attempt rolled a file; all are kept');
    assert.match(
      log.errors()[0]!,
      /Error transferring sp1-.*: connect ECONNREFUSED 127\.0\.0\.1:\d+; will retry/,
    );

    await receiver.listen(receiver.port);
    clock.advance(clock.nextDueIn()!);
    await connector.whenIdle();
    assert.deepEqual(receiver.problems, []);
    assert.equal(receiver.events.length, emitted);
    assert.deepEqual(receiver.duplicates(), []);
    assert.equal(new Set(receiver.events.map((e) => e.rcpt_to)).size, emitted);
    assert.deepEqual(staged(dir), []);
    assert.equal(clock.nextDueIn(), 60_000, 'back to the normal interval');
  });
});
