// Greylisting (first attempt 451, a retry after the wait accepted) and reproducibility: the same
// seed gives the same outcome for the same recipients, another seed does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rcptReply, sendOne, startSink } from './helpers.js';

describe('sink greylisting', () => {
  it('answers 451 until the triplet has waited, then accepts it and remembers it', async (t) => {
    let now = 1_000_000;
    const { sink } = await startSink(
      t,
      { rules: [{ domains: ['*'], greylist: 1, 'greylist-seconds': 60 }] },
      { now: () => now },
    );
    assert.match(
      rcptReply((await sendOne(sink.port, 'a@grey.test')).out),
      /^451 4\.7\.1 <a@grey\.test>: greylisted, try again in 60 seconds/,
    );
    now += 30_000;
    assert.match(rcptReply((await sendOne(sink.port, 'a@grey.test')).out), /^451 .*in 30 seconds/);
    // Another recipient is another triplet: greylisted on its own.
    assert.match(rcptReply((await sendOne(sink.port, 'b@grey.test')).out), /^451 /);
    now += 31_000;
    assert.match(rcptReply((await sendOne(sink.port, 'a@grey.test')).out), /^250 /);
    assert.match(
      rcptReply((await sendOne(sink.port, 'a@grey.test')).out),
      /^250 /,
      'passed triplets stay passed',
    );
    assert.deepEqual(sink.snapshot().replies['*'], { greylist: 3, accept: 2 });
  });
});

describe('sink seed', () => {
  const rules = [{ domains: ['*'], 'unknown-user': 0.3, block: 0.2, defer: 0.2 }];
  const outcomes = async (t: import('node:test').TestContext, seed: number) => {
    const { sink } = await startSink(t, { seed, rules });
    return sink.provider;
  };

  it('decides the same for the same seed, whatever the order, and differently for another', async (t) => {
    const recipients = Array.from({ length: 60 }, (_, i) => `user${i}@example.test`);
    const ask = (provider: Awaited<ReturnType<typeof outcomes>>, list: string[]) =>
      Object.fromEntries(
        list.map((rcpt) => [rcpt, provider.rcpt({ clientIp: '127.0.0.1', from: 'a@s.test', rcpt }).kind]),
      );
    const first = ask(await outcomes(t, 7), recipients);
    const again = ask(await outcomes(t, 7), [...recipients].reverse());
    const other = ask(await outcomes(t, 8), recipients);
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
    const kinds = new Set(Object.values(first));
    for (const kind of ['accept', 'unknown-user', 'block', 'defer'])
      assert.ok(kinds.has(kind as never), kind);
  });

  it('keeps an unknown user unknown on retries but decides a deferral afresh', async (t) => {
    const provider = await outcomes(t, 3);
    const asking = (rcpt: string) => ({ clientIp: '127.0.0.1', from: 'a@s.test', rcpt });
    const recipients = Array.from({ length: 200 }, (_, i) => `u${i}@example.test`);
    const firstKinds = recipients.map((r) => provider.rcpt(asking(r)).kind);
    const secondKinds = recipients.map((r) => provider.rcpt(asking(r)).kind);
    recipients.forEach((_, i) => {
      if (firstKinds[i] === 'unknown-user' || firstKinds[i] === 'block')
        assert.equal(secondKinds[i], firstKinds[i]);
    });
    const deferredThenNot = recipients.filter(
      (_, i) => firstKinds[i] === 'defer' && secondKinds[i] !== 'defer',
    );
    assert.ok(deferredThenNot.length > 0, 'some deferred recipients get through on the retry');
  });
});
