// Graceful shutdown under load: `outpost start` receives mail from 10 sessions and delivers it to a
// slow smtp-sink (1 s before each DATA reply, so deliveries are in flight) when SIGTERM arrives.
// New connections must get 421, a session in the middle of DATA must get its 250, and every message
// that got a 250 must be either delivered (at the sink) or in the spool, never both; a restart then
// delivers the rest, each message once.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/logging.js';
import { Spool } from '../../src/spool/index.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from '../smtp/helpers.js';
import { startChild } from './helpers.js';

const body = (token: string) =>
  `X-Job: ${token}\r\nSubject: ${token}\r\n\r\n${'payload line\r\n'.repeat(50)}.`;

/** One session sending messages one after another; records each token that got its 250. */
async function inject(port: number, session: number, acked: Set<string>, stop: () => boolean): Promise<void> {
  for (let n = 0; !stop(); n++) {
    const token = `s${session}-m${n}`;
    try {
      const c = await RawClient.connect(port);
      if (!(await c.reply())?.startsWith('220')) return c.close();
      await c.command('HELO load.test');
      await c.command('MAIL FROM:<load@ops.test>');
      await c.command(`RCPT TO:<${token}@example.test>`);
      if ((await c.command('DATA')) !== '354 send message') return c.close();
      if ((await c.command(body(token))) === '250 2.6.0 message received') acked.add(token);
      c.close();
    } catch {
      return; // the server went away
    }
  }
}

const tokensAt = (messages: string[]) => messages.map((m) => /^Subject: (\S+)$/m.exec(m)?.[1] ?? '?');

describe('graceful shutdown', () => {
  it('answers 421, finishes DATA and deliveries in flight, and loses no acknowledged message', async (t) => {
    const dir = tempDir(t);
    const slow = await startSmtpSink(t, ['-w', '1']);
    const configFile = join(dir, 'outpost.config');
    const config = (sinkPort: number) =>
      `<outpost>\n  data-dir ${dir}/data\n</outpost>\nhost-name stop.test\nsmtp-listener 127.0.0.1:0\n` +
      '<source 127.0.0.1>\n  always-allow-relaying yes\n  process-x-job yes\n</source>\n' +
      `<domain *>\n  smtp-hosts [127.0.0.1]:${sinkPort}\n  max-smtp-out 20\n</domain>\n`;
    writeFileSync(configFile, config(slow.port));
    const first = await startChild(configFile);
    t.after(() => first.child.kill('SIGKILL'));

    const acked = new Set<string>();
    let stopped = false;
    const loaders = Array.from({ length: 10 }, (_, i) => inject(first.smtpPort, i, acked, () => stopped));
    await waitFor(
      () => acked.size >= 150 && slow.messages().length >= 5,
      'load flowing and deliveries under way',
    );

    // a session in the middle of DATA when the signal comes
    const held = await RawClient.connect(first.smtpPort);
    await held.reply();
    await held.command('HELO held.test');
    await held.command('MAIL FROM:<held@ops.test>');
    await held.command('RCPT TO:<held@example.test>');
    assert.equal(await held.command('DATA'), '354 send message');
    held.write(`X-Job: held\r\nSubject: held\r\n\r\nfirst half\r\n`);

    first.child.kill('SIGTERM');
    await waitFor(() => first.log.some((l) => /SIGTERM: shutting down/.test(l)), 'the shutdown to begin');
    const late = await RawClient.connect(first.smtpPort);
    assert.match((await late.reply()) ?? '', /^421 4\.3\.2 stop\.test service shutting down$/);
    late.close();
    held.write('second half\r\n.\r\n');
    assert.equal(await held.reply(), '250 2.6.0 message received');
    acked.add('held');
    stopped = true;
    await Promise.all(loaders);
    assert.equal(await first.exited, 0, first.log.join('\n'));

    // every 250 is at the sink or in the spool, never both
    const delivered = tokensAt(slow.messages());
    const { spool, recovered } = await Spool.open(join(dir, 'data', 'spool'), { log: silentLogger() });
    const spooled = recovered.map((e) => e.jobId ?? '?');
    await spool.close();
    const both = delivered.filter((token) => spooled.includes(token));
    assert.deepEqual(both, [], 'nothing both delivered and still queued');
    const lost = [...acked].filter((token) => !delivered.includes(token) && !spooled.includes(token));
    assert.deepEqual(lost, [], 'every acknowledged message is delivered or spooled');
    assert.equal(new Set(delivered).size, delivered.length, 'nothing delivered twice');
    t.diagnostic(
      `acknowledged ${acked.size}; delivered before the stop ${delivered.length}; in the spool ${spooled.length}`,
    );

    // the restart delivers what the spool kept, each once
    const fast = await startSmtpSink(t);
    writeFileSync(configFile, config(fast.port));
    const second = await startChild(configFile);
    t.after(() => second.child.kill('SIGKILL'));
    assert.ok(
      second.log.some((l) => l.includes(`open: ${spooled.length} messages to deliver`)),
      second.log.join('\n'),
    );
    await waitFor(() => fast.messages().length >= spooled.length, 'the spooled messages delivered', 60_000);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
    const all = [...delivered, ...tokensAt(fast.messages())];
    assert.equal(new Set(all).size, all.length, 'each message delivered once across the restart');
    assert.deepEqual(
      [...acked].filter((token) => !all.includes(token)),
      [],
      'every acknowledged message delivered in the end',
    );
  });
});
