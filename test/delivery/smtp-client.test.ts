import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { domainSettingsFor, loadConfigText } from '../../src/config/index.js';
import { OutboundSession, SmtpDeliveryError } from '../../src/delivery/smtp-client.js';
import { ScriptedSmtpServer } from '../helpers/smtp-receiver.js';

const settings = domainSettingsFor(
  loadConfigText('<domain *>\nconnect-timeout 5s\nsmtp-greeting-timeout 5s\n</domain>').config,
  'x.test',
);
const MESSAGE = Buffer.from(
  'From: a@sender.test\r\nTo: b@x.test\r\nSubject: t\r\n\r\nbody\r\n.leading dot\r\n',
);

describe('outbound SMTP session', () => {
  const receiver = new ScriptedSmtpServer({
    rcpt: (to) =>
      to.startsWith('unknown')
        ? '550 5.1.1 <' + to + '> User unknown'
        : to.startsWith('full')
          ? '452 4.2.2 mailbox full'
          : '250 2.1.5 ok',
  });
  before(() => receiver.start());
  after(() => receiver.stop());

  const open = () =>
    OutboundSession.open({
      host: 'mx.x.test',
      address: '127.0.0.1',
      port: receiver.port,
      localAddress: '127.0.0.2',
      heloName: 'vmta1.sender.test',
      settings,
    });

  it('binds the source address, says EHLO with the VMTA host name, and reuses the connection', async () => {
    const session = await open();
    assert.ok(session.extensions.includes('PIPELINING'));
    const first = await session.send('bounce@sender.test', ['b@x.test'], MESSAGE);
    const second = await session.send('bounce@sender.test', ['c@x.test'], MESSAGE);
    session.close();
    assert.deepEqual([first[0]!.accepted, second[0]!.accepted], [true, true]);
    assert.equal(first[0]!.response, '250 2.0.0 queued');
    const [m1, m2] = receiver.messages.slice(-2);
    assert.equal(m1!.helo, 'vmta1.sender.test');
    assert.equal(m1!.remoteAddress, '127.0.0.2');
    assert.equal(m2!.to[0], 'c@x.test');
    assert.match(m1!.data.toString(), /\r\n\.leading dot\r\n$/, 'dot-stuffing round-trips');
    assert.equal(session.messagesSent, 2);
  });

  it('reports each recipient: a partial rejection refuses only those', async () => {
    const session = await open();
    const replies = await session.send(
      'bounce@sender.test',
      ['ok@x.test', 'unknown@x.test', 'full@x.test'],
      MESSAGE,
    );
    session.close();
    assert.deepEqual(
      replies.map((r) => [r.rcpt, r.accepted, r.code]),
      [
        ['ok@x.test', true, 250],
        ['unknown@x.test', false, 550],
        ['full@x.test', false, 452],
      ],
    );
    assert.equal(replies[1]!.response, '550 5.1.1 <unknown@x.test> User unknown');
    assert.deepEqual(receiver.messages.at(-1)!.to, ['ok@x.test']);
  });

  it('reports every recipient when all are refused, and the session stays usable', async () => {
    const session = await open();
    const replies = await session.send('bounce@sender.test', ['unknown1@x.test', 'unknown2@x.test'], MESSAGE);
    assert.deepEqual(
      replies.map((r) => r.code),
      [550, 550],
    );
    const next = await session.send('bounce@sender.test', ['fine@x.test'], MESSAGE);
    session.close();
    assert.equal(next[0]!.accepted, true);
  });

  it('turns a refused sender, a 554 after DATA and a dropped connection into typed errors', async () => {
    const strict = new ScriptedSmtpServer({ mail: () => '451 4.3.0 try later' });
    await strict.start();
    try {
      const session = await OutboundSession.open({
        host: 'h',
        address: '127.0.0.1',
        port: strict.port,
        heloName: 'me',
        settings,
      });
      await assert.rejects(
        session.send('a@b.test', ['x@y.test'], MESSAGE),
        (e: unknown) =>
          e instanceof SmtpDeliveryError && e.phase === 'MAIL' && !e.permanent && e.code === 451,
      );
      session.close();
      strict.script = { data: () => '554 5.7.1 rejected as spam' };
      const s2 = await OutboundSession.open({
        host: 'h',
        address: '127.0.0.1',
        port: strict.port,
        heloName: 'me',
        settings,
      });
      await assert.rejects(
        s2.send('a@b.test', ['x@y.test'], MESSAGE),
        (e: unknown) => e instanceof SmtpDeliveryError && e.phase === 'DATA' && e.permanent && e.code === 554,
      );
      s2.close();
      strict.script = { dropAt: 'DATA-END' };
      const s3 = await OutboundSession.open({
        host: 'h',
        address: '127.0.0.1',
        port: strict.port,
        heloName: 'me',
        settings,
      });
      await assert.rejects(
        s3.send('a@b.test', ['x@y.test'], MESSAGE),
        (e: unknown) => e instanceof SmtpDeliveryError && !e.permanent,
      );
      s3.close();
    } finally {
      await strict.stop();
    }
  });

  it('fails transiently when nothing listens, and permanently on a 554 greeting', async () => {
    await assert.rejects(
      OutboundSession.open({ host: 'h', address: '127.0.0.1', port: 1, heloName: 'me', settings }),
      (e: unknown) => e instanceof SmtpDeliveryError && e.phase === 'CONN' && !e.permanent,
    );
    const closed = new ScriptedSmtpServer({ greeting: '554 5.7.1 go away' });
    await closed.start();
    await assert.rejects(
      OutboundSession.open({ host: 'h', address: '127.0.0.1', port: closed.port, heloName: 'me', settings }),
      (e: unknown) => e instanceof SmtpDeliveryError && e.permanent && e.code === 554,
    );
    await closed.stop();
  });
});
