// Each rule of the sink gives the reply a mailbox provider would, seen through swaks (a real SMTP
// client): rates of 1 make every recipient meet the rule, so the test cannot pass by luck.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient } from '../smtp/helpers.js';
import { rcptReply, sendOne, startSink } from './helpers.js';

const RULES = [
  { domains: ['ok.test'] },
  { domains: ['defer.test'], defer: 1, replies: { defer: '451 4.7.1 try later' } },
  { domains: ['drop.test'], defer: 1, replies: { defer: '421 4.7.0 try again later, closing connection' } },
  { domains: ['block.test'], block: 1 },
  { domains: ['unknown.test'], 'unknown-user': 1 },
  { domains: ['full.test'], 'mailbox-full': 1 },
  { domains: ['overfull.test'], 'mailbox-full': 1, replies: { 'mailbox-full': '552 5.2.2 mailbox full' } },
  { domains: ['slow.test'], 'delay-ms': 400 },
  { domains: ['*'], 'unknown-user': 1, replies: { 'unknown-user': '550 5.1.1 <{rcpt}> catch-all says no' } },
];

describe('sink replies', () => {
  it('answers each rule with its code, and records it', async (t) => {
    const { sink } = await startSink(t, { rules: RULES });
    const cases: Array<[string, RegExp, number]> = [
      ['a@ok.test', /^250 2\.1\.5 <a@ok\.test> ok/, 0],
      ['a@defer.test', /^451 4\.7\.1 try later/, 0],
      ['a@drop.test', /^421 4\.7\.0 try again later/, 0],
      ['a@block.test', /^550 5\.7\.1 message from 127\.0\.0\.1 rejected/, 0],
      ['a@unknown.test', /^550 5\.1\.1 <a@unknown\.test>: no such user/, 0],
      ['a@full.test', /^452 4\.2\.2 <a@full\.test>: mailbox full/, 0],
      ['a@overfull.test', /^552 5\.2\.2 mailbox full/, 0],
      ['a@elsewhere.test', /^550 5\.1\.1 <a@elsewhere\.test> catch-all says no/, 0],
    ];
    for (const [to, reply] of cases) {
      const { out } = await sendOne(sink.port, to);
      assert.match(rcptReply(out), reply, `${to}:\n${out}`);
    }
    const stats = sink.snapshot();
    assert.equal(stats.messages, 1, 'only the ok.test message was accepted');
    assert.deepEqual(stats.replies['ok.test'], { accept: 1 });
    assert.deepEqual(stats.replies['block.test'], { block: 1 });
    assert.deepEqual(stats.replies['*'], { 'unknown-user': 1 });
  });

  it('closes the connection after a 421', async (t) => {
    const { sink } = await startSink(t, { rules: RULES });
    const client = await RawClient.connect(sink.port);
    t.after(() => client.close());
    assert.match((await client.reply())!, /^220 /);
    assert.match((await client.command('EHLO client.test'))!, /^250-/);
    assert.match((await client.command('MAIL FROM:<a@sender.test>'))!, /^250 /);
    assert.match((await client.command('RCPT TO:<x@drop.test>'))!, /^421 /);
    assert.equal(await client.reply(), undefined, 'connection closed');
  });

  it('waits before answering a slow provider', async (t) => {
    const { sink } = await startSink(t, { rules: RULES });
    const client = await RawClient.connect(sink.port);
    t.after(() => client.close());
    await client.reply();
    await client.command('EHLO client.test');
    await client.command('MAIL FROM:<a@sender.test>');
    const started = Date.now();
    assert.match((await client.command('RCPT TO:<x@slow.test>'))!, /^250 /);
    assert.ok(Date.now() - started >= 390, `replied after ${Date.now() - started} ms`);
  });

  it('limits connections per client for a rule', async (t) => {
    const { sink } = await startSink(t, { rules: [{ domains: ['*'], 'max-connections': 2 }] });
    const open: RawClient[] = [];
    t.after(() => {
      for (const c of open) c.close();
    });
    const rcpt = async () => {
      const client = await RawClient.connect(sink.port);
      open.push(client);
      await client.reply();
      await client.command('EHLO client.test');
      await client.command('MAIL FROM:<a@sender.test>');
      return (await client.command('RCPT TO:<x@any.test>'))!;
    };
    assert.match(await rcpt(), /^250 /);
    assert.match(await rcpt(), /^250 /);
    assert.match(await rcpt(), /^421 4\.7\.0 too many connections from 127\.0\.0\.1/);
    // A connection that goes away frees its slot.
    open[0]!.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(await rcpt(), /^250 /);
  });

  it('refuses DATA without an accepted recipient and takes pipelined commands in order', async (t) => {
    const { sink } = await startSink(t, { rules: RULES });
    const client = await RawClient.connect(sink.port);
    t.after(() => client.close());
    await client.reply();
    await client.command('EHLO client.test');
    client.write('MAIL FROM:<a@sender.test>\r\nRCPT TO:<x@unknown.test>\r\nDATA\r\n');
    assert.match((await client.reply())!, /^250 2\.1\.0/);
    assert.match((await client.reply())!, /^550 5\.1\.1/);
    assert.match((await client.reply())!, /^554 5\.5\.1 no valid recipients/);
  });
});
