// Raw-socket dialogues no polite client would produce. Each gets a clear reply or a closed
// connection, and none leaves anything half-spooled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, RawClient, startSmtp } from './helpers.js';
import { SEED } from './seed-config.js';

const TO = 'bounce@bounces.pmta.signalsdemo.test';

async function ready(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  assert.match((await client.reply())!, /^220 /);
  assert.match((await client.command('EHLO client.test'))!, /^250-/);
  return client;
}

describe('inbound SMTP: broken and hostile clients', () => {
  it('refuses a client that talks before the greeting', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await RawClient.connect(h.ports[1]!, 'EHLO early.test\r\nMAIL FROM:<a@b.test>\r\n');
    assert.match((await client.reply())!, /^554 5\.5\.0 .*talked before the greeting/);
    assert.equal(await client.reply(), undefined, 'then the connection is closed');
  });

  it('does not delay a client that waits: no timer stands between connect and greeting', async (t) => {
    const h = await startSmtp(t, SEED);
    // With timers frozen, a greeting that waited on one (smtp-server waits 100 ms) would never come.
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const client = await RawClient.connect(h.ports[1]!);
    let greeting: string | undefined;
    void client.reply().then((text) => {
      greeting = text;
    });
    // Wait up to 2 s of real time, polling with setImmediate (not a timer).
    const until = performance.now() + 2000;
    while (greeting === undefined && performance.now() < until) await new Promise(setImmediate);
    t.mock.timers.reset();
    client.close();
    assert.match(greeting ?? 'no greeting', /^220 /);
  });

  it('accepts commands and message lines ended by a bare LF, but only CRLF.CRLF ends DATA', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await RawClient.connect(h.ports[1]!);
    await client.reply();
    client.write('EHLO bare.test\nMAIL FROM:<a@example.org>\nRCPT TO:<' + TO + '>\nDATA\n');
    assert.match((await client.reply())!, /^250-/);
    assert.equal(await client.reply(), '250 2.1.0 MAIL ok');
    assert.match((await client.reply())!, /^250 2\.1\.5/);
    assert.equal(await client.reply(), '354 send message');
    // "\n.\n" and "\r.\r\n" are not the end (SMTP smuggling); the smuggled MAIL stays message text.
    client.write('Subject: bare\n\nline one\n.\nMAIL FROM:<smuggled@evil.test>\r.\r\nstill body\r\n.\r\n');
    assert.equal(await client.reply(), '250 2.6.0 message received');
    await eventually(() => h.spooled.length === 1);
    const body = h.spooled[0]!.body.toString();
    assert.doesNotMatch(body, /(?<!\r)\n/, 'every line ends in CRLF');
    assert.match(body, /line one\r\n\.\r\nMAIL FROM:<smuggled@evil\.test>\r\n\.\r\nstill body\r\n$/);
    assert.equal(await client.command('QUIT'), '221 2.0.0 pmta.signalsdemo.test says goodbye');
  });

  it('answers a 10 kB command line with 500 and carries on', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await ready(h.ports[1]!);
    assert.equal(
      await client.command(`MAIL FROM:<${'a'.repeat(10_240)}@example.org>`),
      '500 5.5.2 line too long',
    );
    assert.equal(await client.command('NOOP'), '250 2.0.0 ok');
    // Without a line end yet: refused once, nothing buffered, the rest of that line dropped.
    client.write('X'.repeat(20_000));
    assert.equal(await client.reply(), '500 5.5.2 line too long');
    client.write('XXXX NOOP\r\n');
    assert.equal(await client.command('NOOP'), '250 2.0.0 ok', 'the next line is a command again');
  });

  it('refuses NUL bytes in commands and in messages', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await ready(h.ports[1]!);
    assert.equal(
      await client.command('MAIL FROM:<a@example.org>\0 SIZE=1'),
      '500 5.5.2 NUL character in command',
    );
    assert.equal(await client.command('MAIL FROM:<a@example.org>'), '250 2.1.0 MAIL ok');
    await client.command(`RCPT TO:<${TO}>`);
    assert.equal(await client.command('DATA'), '354 send message');
    client.write('Subject: nul\r\n\r\nbinary \0 here\r\n.\r\n');
    assert.equal(await client.reply(), '554 5.6.0 message contains NUL characters');
    assert.equal(h.spool.spool.stats().messages, 0);
  });

  it('leaves nothing spooled when the client disconnects in DATA', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await ready(h.ports[1]!);
    await client.command('MAIL FROM:<a@example.org>');
    await client.command(`RCPT TO:<${TO}>`);
    await client.command('DATA');
    client.write(`Subject: cut\r\n\r\n${'text\r\n'.repeat(2000)}`);
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(h.spool.spool.stats().messages, 0);
    assert.equal(h.events.length, 0);
    // The listener is still fine.
    const next = await ready(h.ports[1]!);
    assert.equal(await next.command('QUIT'), '221 2.0.0 pmta.signalsdemo.test says goodbye');
  });

  it('closes on HTTP, and after too many errors', async (t) => {
    const h = await startSmtp(t, SEED);
    const http = await RawClient.connect(h.ports[1]!);
    await http.reply();
    assert.equal(
      await http.command('GET / HTTP/1.1'),
      '554 5.5.0 this is an SMTP server, not an HTTP server',
    );
    assert.equal(await http.reply(), undefined);
    const noisy = await ready(h.ports[1]!);
    for (let i = 0; i < 10; i++) assert.equal(await noisy.command('BOGUS'), '500 5.5.1 unrecognized command');
    assert.match((await noisy.command('BOGUS'))!, /^421 4\.7\.0 .* too many errors/);
    assert.equal(await noisy.reply(), undefined);
  });

  it('enforces the command sequence and parameters', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await RawClient.connect(h.ports[1]!);
    await client.reply();
    assert.equal(await client.command('MAIL FROM:<a@example.org>'), '503 5.5.1 send HELO/EHLO first');
    await client.command('EHLO x.test');
    assert.equal(await client.command(`RCPT TO:<${TO}>`), '503 5.5.1 need MAIL command');
    assert.equal(await client.command('DATA'), '503 5.5.1 need MAIL command');
    assert.equal(
      await client.command('MAIL FROM:<a@example.org> SIZE=99999999'),
      '552 5.3.4 message size exceeds fixed maximum message size',
    );
    assert.equal(
      await client.command('MAIL FROM:<a@example.org> FOO=1'),
      '555 5.5.4 unsupported parameter FOO',
    );
    assert.equal(
      await client.command('MAIL FROM:<a@example.org> BODY=8BITMIME RET=HDRS ENVID=e+2B1'),
      '250 2.1.0 MAIL ok',
    );
    assert.equal(await client.command('MAIL FROM:<b@example.org>'), '503 5.5.1 sender already specified');
    assert.equal(await client.command('DATA'), '503 5.5.1 need RCPT command');
    assert.match((await client.command('RCPT TO:<bad address@x>'))!, /^501 5\.1\.3 /);
    assert.match((await client.command('RCPT TO:<>'))!, /^501 5\.1\.3 /);
    assert.equal(
      await client.command(`RCPT TO:<${TO}> NOTIFY=FAILURE,DELAY ORCPT=rfc822;orig+40example.org`),
      `250 2.1.5 <${TO}> ok`,
    );
    assert.equal(await client.command('RCPT TO:<Postmaster>'), '250 2.1.5 <Postmaster> ok');
    assert.equal(await client.command('DATA'), '354 send message');
    client.write('Subject: params\r\n\r\nhi\r\n.\r\n');
    assert.equal(await client.reply(), '250 2.6.0 message received');
    await eventually(() => h.spooled.length === 1);
    const { envelope } = h.spooled[0]!;
    assert.equal(envelope.body, '8BITMIME');
    assert.equal(envelope.dsnRet, 'HDRS');
    assert.equal(envelope.envId, 'e+1');
    assert.deepEqual(envelope.recipients, [
      { address: TO, notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;orig@example.org', state: 'pending' },
      { address: 'Postmaster@pmta.signalsdemo.test', state: 'pending' },
    ]);
  });

  it('refuses PLAIN and LOGIN in the clear, and ignores plaintext pipelined after STARTTLS', async (t) => {
    const h = await startSmtp(t, SEED);
    const client = await ready(h.ports[0]!);
    const plain = Buffer.from('\0SMTP_Injection\0injection-secret').toString('base64');
    assert.equal(
      await client.command(`AUTH PLAIN ${plain}`),
      '538 5.7.11 encryption required for requested authentication mechanism',
    );
    assert.equal(
      await client.command('AUTH LOGIN'),
      '538 5.7.11 encryption required for requested authentication mechanism',
    );
    // CVE-2011-0411: commands sent with STARTTLS in one packet must not run after the handshake.
    client.write('STARTTLS\r\nRSET\r\n');
    assert.equal(await client.reply(), '220 2.0.0 ready to start TLS');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await client.reply(200).catch(() => 'nothing'), 'nothing', 'the RSET was not answered');
    client.close();
  });
});
