// Reload applies a new configuration to a running Outpost without dropping an open SMTP session or
// a queued message; a configuration with errors, or one a service cannot take (a port in use), is
// refused with the errors printed, and the running configuration keeps working.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { SmtpService } from '../../src/smtp/service.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from '../smtp/helpers.js';
import { baseConfig, startInstance } from './helpers.js';

const exec = promisify(execFile);

const settingOf = async (cli: (args: string[]) => Promise<{ stdout: string }>, name: string) => {
  const { stdout } = await cli(['show', 'settings', 'example.test', '--json']);
  return (JSON.parse(stdout) as { domain: Record<string, unknown> }).domain[name];
};

describe('reload', () => {
  it('applies a new configuration, keeps sessions and queues, and refuses a broken one', async (t) => {
    const sink = await startSmtpSink(t);
    const config = (dir: string, extra: string) =>
      baseConfig(
        dir,
        sink.port,
        `http-access 127.0.0.1 admin\n<domain example.test>\n  max-smtp-out 3\n</domain>\n${extra}`,
      );
    const o = await startInstance(t, (dir) => config(dir, ''));
    const smtp = o.runtime.services.find((s) => s.name === 'smtp') as SmtpService;

    // mail waiting in a paused queue, and a session in the middle of a transaction
    assert.equal((await o.cli(['pause', 'queue', 'example.test'])).code, 0);
    for (const n of [1, 2])
      await exec('swaks', [
        '--server',
        `127.0.0.1:${o.smtpPort}`,
        '--from',
        'a@ops.test',
        '--to',
        `q${n}@example.test`,
      ]);
    const session = await RawClient.connect(o.smtpPort);
    assert.match((await session.reply()) ?? '', /^220 /);
    assert.match((await session.command('EHLO client.test')) ?? '', /^250/);
    assert.equal(await session.command('MAIL FROM:<s@ops.test>'), '250 2.1.0 MAIL ok');

    // a good change: a new domain setting and a second listener
    writeFileSync(
      o.configFile,
      config(o.dir, 'smtp-listener 127.0.0.1:0\n').replace('max-smtp-out 3', 'max-smtp-out 7'),
    );
    const good = await o.cli(['reload']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /configuration reloaded\./);
    assert.equal(await settingOf(o.cli, 'max-smtp-out'), 7);
    assert.equal(smtp.addresses().length, 2);
    const second = await RawClient.connect(smtp.addresses()[1]!.port);
    assert.match((await second.reply()) ?? '', /^220 /);
    second.close();

    // the session opened before the reload finishes its message
    assert.equal(await session.command('RCPT TO:<s@example.test>'), '250 2.1.5 <s@example.test> ok');
    assert.equal(await session.command('DATA'), '354 send message');
    assert.equal(
      await session.command('Subject: across a reload\r\n\r\nhello\r\n.'),
      '250 2.6.0 message received',
    );
    await session.command('QUIT');
    const queued = JSON.parse((await o.cli(['show', 'queues', 'example.test', '--json'])).stdout);
    assert.equal(queued.queues[0].rcp, 3, 'queued mail survived the reload');
    assert.equal(queued.queues[0].paused, true, 'so did the pause');

    // a broken file: refused with its errors, the running configuration stays
    writeFileSync(
      o.configFile,
      `${config(o.dir, '')}frobnicate yes\n<domain example.test>\n  max-smtp-out lots\n</domain>\n`,
    );
    const broken = await o.cli(['reload']);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /reload refused: the configuration has errors; the running configuration stays/,
    );
    assert.match(broken.stderr, /outpost\.config:\d+: error: unknown directive "frobnicate"/);
    assert.match(broken.stderr, /outpost\.config:\d+: error: .*lots/);
    assert.equal(await settingOf(o.cli, 'max-smtp-out'), 7);
    assert.equal(smtp.addresses().length, 2, 'the second listener is still there');
    assert.match(
      o.log
        .lines()
        .map((l) => l.msg)
        .join('\n'),
      /reload refused/,
    );

    // a port in use: refused before anything switched over
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    t.after(() => squatter.close());
    const taken = (squatter.address() as { port: number }).port;
    writeFileSync(
      o.configFile,
      config(o.dir, `smtp-listener 127.0.0.1:${taken}\n`).replace('max-smtp-out 3', 'max-smtp-out 9'),
    );
    const busy = await o.cli(['reload']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /reload refused: smtp: listen EADDRINUSE/);
    assert.equal(await settingOf(o.cli, 'max-smtp-out'), 7);
    assert.equal(smtp.addresses().length, 2);

    // the running configuration still delivers
    assert.equal((await o.cli(['resume', 'queue', 'example.test'])).code, 0);
    await waitFor(() => o.events.filter((e) => e.type === 'delivery').length === 3, 'three deliveries');
    assert.equal(sink.messages().length, 3);
  });
});
