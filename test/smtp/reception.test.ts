// What the rest of Outpost sees of an accepted message: one reception event per recipient with the
// PowerMTA `r` fields, then onSpooled, both before the client's 250 and only after the spool has it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, startSmtp } from './helpers.js';
import { SEED } from './seed-config.js';

describe('reception events and onSpooled', () => {
  it('publishes one reception record per recipient, then hands the message on, then says 250', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await RawClient.connect(h.ports[0]!);
    await client.reply();
    await client.command('EHLO injector.test');
    await client.command('AUTH CRAM-MD5');
    // Not a real CRAM-MD5 answer: authentication fails, the client carries on unauthenticated.
    assert.equal(await client.command('bm9wZSBub3Bl'), '535 5.7.8 authentication credentials invalid');
    await client.command('MAIL FROM:<news@pmta.signalsdemo.test>');
    await client.command('RCPT TO:<a@bounces.pmta.signalsdemo.test> ORCPT=rfc822;A@example.org');
    await client.command('RCPT TO:<b@fbl.pmta.signalsdemo.test>');
    await client.command('DATA');
    client.write(
      'From: News <news@pmta.signalsdemo.test>\r\nSender: list@pmta.signalsdemo.test\r\nSubject: Weekly\r\n' +
        'X-Sp-Message-Id: cm-1\r\nX-SP-Subaccount-ID: 7\r\n\r\nHello\r\n.\r\n',
    );
    assert.equal(await client.reply(), '250 2.6.0 message received');
    assert.equal(h.spooled.length, 1, 'onSpooled ran before the 250');
    const { envelope } = h.spooled[0]!;
    assert.ok(h.spool.spool.has(envelope.id), 'and the spool has it');
    assert.deepEqual(
      h.events.map((e) => [e.type, e.rcpt, e.orcpt]),
      [
        ['reception', 'a@bounces.pmta.signalsdemo.test', 'rfc822;A@example.org'],
        ['reception', 'b@fbl.pmta.signalsdemo.test', undefined],
      ],
    );
    const event = h.events[0]!;
    assert.equal(event.messageId, envelope.messageId);
    assert.match(event.messageId, /^0000[0-9a-f]{16}$/);
    assert.equal(event.orig, 'news@bounces.pmta.signalsdemo.test', 'after rewrite-list');
    assert.equal(event.srcType, 'smtp');
    assert.equal(event.srcMta, 'injector.test (127.0.0.1)');
    assert.equal(event.rcvSourceIp, '127.0.0.1');
    assert.equal(event.rcvDestinationIp, '127.0.0.1');
    assert.equal(event.rcvSmtpUser, undefined);
    assert.equal(event.headerFrom, 'news@pmta.signalsdemo.test');
    assert.equal(event.headerSender, 'list@pmta.signalsdemo.test');
    assert.equal(event.subject, 'Weekly');
    assert.equal(event.customMessageId, 'cm-1');
    assert.equal(event.subaccountId, 7);
    assert.equal(event.size, envelope.size);
    assert.equal(event.timeQueued, envelope.receivedAt);
    assert.deepEqual(
      event.headers?.find(([name]) => name === 'Subject'),
      ['Subject', 'Weekly'],
    );
    assert.equal(event.vmta, undefined, 'no default-virtual-mta without AUTH');
    client.close();
  });

  it('says 451 and publishes nothing when the spool cannot take the message', async (t) => {
    const h = await startSmtp(t, SEED);
    await h.spool.spool.close();
    const client = await RawClient.connect(h.ports[1]!);
    await client.reply();
    await client.command('EHLO x.test');
    await client.command('MAIL FROM:<a@example.org>');
    await client.command('RCPT TO:<r@bounces.pmta.signalsdemo.test>');
    await client.command('DATA');
    client.write('Subject: x\r\n\r\ny\r\n.\r\n');
    assert.equal(await client.reply(), '451 4.3.0 temporary failure storing the message, try again later');
    assert.equal(h.events.length, 0);
    assert.equal(h.spooled.length, 0);
    client.close();
  });
});
