// Source and listener policy: smtp-service, require-auth, connection limits, immediate TLS,
// timeouts, recipient limits, relay-debug, a user's own source, and what log-commands writes.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { RawClient, startSmtp } from './helpers.js';

const BASE = 'host-name policy.test\nrelay-domain ours.test\n';
const cram = (user: string, password: string, challenge: string) =>
  Buffer.from(`${user} ${createHmac('md5', password).update(challenge).digest('hex')}`).toString('base64');

async function greeted(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  assert.match((await client.reply())!, /^220 /);
  return client;
}

describe('inbound SMTP policy', () => {
  it('smtp-service no: 521 and the connection closes', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\n<source 0/0>\n smtp-service no\n</source>\n`,
    );
    const client = await RawClient.connect(h.ports[0]!);
    assert.equal(await client.reply(), '521 policy.test does not accept mail from you');
    assert.equal(await client.reply(), undefined);
  });

  it('require-auth: MAIL needs AUTH; a user with its own source gets that source', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\n<source 0/0>\n require-auth yes\n</source>\n` +
        '<source {auth}>\n always-allow-relaying yes\n</source>\n' +
        '<source special>\n always-allow-relaying yes\n process-x-job yes\n</source>\n' +
        '<smtp-user plain>\n password p1\n</smtp-user>\n<smtp-user vip>\n password p2\n source special\n</smtp-user>\n',
    );
    const client = await greeted(h.ports[0]!);
    await client.command('EHLO c.test');
    assert.equal(await client.command('MAIL FROM:<a@c.test>'), '530 5.7.0 authentication required');
    const challenge = Buffer.from((await client.command('AUTH CRAM-MD5'))!.slice(4), 'base64').toString();
    assert.equal(await client.command(cram('vip', 'p2', challenge)), '235 2.7.0 authentication succeeded');
    assert.equal(await client.command('AUTH CRAM-MD5'), '503 5.5.1 already authenticated');
    await client.command('MAIL FROM:<a@c.test>');
    assert.equal(await client.command('RCPT TO:<x@elsewhere.test>'), '250 2.1.5 <x@elsewhere.test> ok');
    await client.command('DATA');
    client.write('X-Job: vip-job\r\n\r\nhi\r\n.\r\n');
    assert.equal(await client.reply(), '250 2.6.0 message received');
    assert.equal(h.spooled[0]!.envelope.jobId, 'vip-job', "the user's own source (process-x-job) applies");
    assert.equal(h.spooled[0]!.envelope.smtpUser, 'vip');
    client.close();
  });

  it('total-max-smtp-in: refuses with 421 at the limit, or makes the client wait with smtp-await-slot', async (t) => {
    const limited = await startSmtp(t, `${BASE}smtp-listener 127.0.0.1:0\ntotal-max-smtp-in 1\n`);
    const first = await greeted(limited.ports[0]!);
    const second = await RawClient.connect(limited.ports[0]!);
    assert.equal(await second.reply(), '421 4.3.2 policy.test too many connections, try again later');
    first.close();

    const waiting = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\ntotal-max-smtp-in 1\nsmtp-await-slot yes\n`,
    );
    const holder = await greeted(waiting.ports[0]!);
    const queued = await RawClient.connect(waiting.ports[0]!);
    await assert.rejects(queued.reply(300), /no reply/, 'not greeted while the slot is taken');
    await holder.command('QUIT');
    assert.match((await queued.reply())!, /^220 /);
    queued.close();
  });

  it('immediate-tls listeners speak TLS first (SMTPS), with the greeting inside', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}<smtp-listener 127.0.0.1:0>\n immediate-tls yes\n</smtp-listener>\n`,
    );
    const socket = tlsConnect({ host: '127.0.0.1', port: h.ports[0]!, rejectUnauthorized: false });
    t.after(() => socket.destroy());
    const greeting = await new Promise<string>((resolve, reject) => {
      socket.once('data', (chunk) => resolve(chunk.toString()));
      socket.once('error', reject);
    });
    assert.match(greeting, /^220 policy\.test /);
    assert.match(socket.getProtocol() ?? '', /^TLSv1\.[23]$/);
  });

  it('closes an idle session after smtp-command-timeout with 421', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\n<source 0/0>\n smtp-command-timeout 1s\n</source>\n`,
    );
    const client = await greeted(h.ports[0]!);
    assert.equal(await client.reply(3000), '421 4.4.2 policy.test timeout, closing connection');
    assert.equal(await client.reply(), undefined);
  });

  it('max-rcpt-per-message and relay-debug', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\nrelay-debug yes\n<source 0/0>\n max-rcpt-per-message 2\n</source>\n`,
    );
    const client = await greeted(h.ports[0]!);
    await client.command('EHLO c.test');
    await client.command('MAIL FROM:<a@c.test>');
    assert.equal(
      await client.command('RCPT TO:<x@gmail.test>'),
      '450 4.7.1 relaying denied for recipient in "RCPT TO:<x@gmail.test>"',
    );
    await client.command('RCPT TO:<a@ours.test>');
    await client.command('RCPT TO:<b@ours.test>');
    assert.equal(await client.command('RCPT TO:<c@ours.test>'), '452 4.5.3 too many recipients');
    client.close();
  });

  it('log-commands logs the dialogue, but never authentication data', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\n<source 0/0>\n log-commands yes\n log-connections yes\n` +
        ' allow-unencrypted-plain-auth yes\n</source>\n<smtp-user u>\n password secret-pw\n</smtp-user>\n',
    );
    const client = await greeted(h.ports[0]!);
    await client.command('EHLO c.test');
    await client.command('AUTH LOGIN');
    await client.command(Buffer.from('u').toString('base64'));
    assert.equal(
      await client.command(Buffer.from('secret-pw').toString('base64')),
      '235 2.7.0 authentication succeeded',
    );
    await client.command('QUIT');
    await client.reply();
    const messages = h.lines().map((l) => String(l.msg));
    assert.ok(messages.includes('smtp: >>> EHLO c.test'));
    assert.ok(messages.includes('smtp: <<< 235 2.7.0 authentication succeeded'));
    assert.ok(messages.includes('smtp: connection opened'));
    assert.ok(messages.filter((m) => m === 'smtp: >>> (authentication data)').length === 2);
    assert.ok(!JSON.stringify(h.lines()).includes(Buffer.from('secret-pw').toString('base64')));
  });

  it('smtp-listener source=NAME applies that source on that listener only; SMTPUTF8 addresses', async (t) => {
    const h = await startSmtp(
      t,
      `${BASE}smtp-listener 127.0.0.1:0\nsmtp-listener 127.0.0.1:0 source=feeder\n` +
        '<source feeder>\n always-allow-relaying yes\n</source>\n',
    );
    const plain = await greeted(h.ports[0]!);
    await plain.command('EHLO c.test');
    await plain.command('MAIL FROM:<a@c.test>');
    assert.match((await plain.command('RCPT TO:<x@elsewhere.test>'))!, /^550 5\.7\.1 relaying denied/);
    plain.close();
    const feeder = await greeted(h.ports[1]!);
    await feeder.command('EHLO c.test');
    await feeder.command('MAIL FROM:<a@c.test>');
    assert.equal(await feeder.command('RCPT TO:<x@elsewhere.test>'), '250 2.1.5 <x@elsewhere.test> ok');
    assert.equal(
      await feeder.command('RCPT TO:<jürgen@bücher.test>'),
      '553 5.6.7 non-ASCII address needs SMTPUTF8',
    );
    await feeder.command('RSET');
    assert.equal(await feeder.command('MAIL FROM:<a@c.test> SMTPUTF8'), '250 2.1.0 MAIL ok');
    const accepted = await feeder.command('RCPT TO:<jürgen@bücher.test>');
    assert.equal(Buffer.from(accepted!, 'latin1').toString('utf8'), '250 2.1.5 <jürgen@bücher.test> ok');
    await feeder.command('DATA');
    feeder.write('Subject: utf8\r\n\r\nhi\r\n.\r\n');
    assert.equal(await feeder.reply(), '250 2.6.0 message received');
    assert.deepEqual(
      h.spooled[0]!.envelope.recipients.map((r) => r.address),
      ['jürgen@xn--bcher-kva.test'],
    );
    assert.equal(h.spooled[0]!.envelope.smtpUtf8, true);
    feeder.close();
  });
});
