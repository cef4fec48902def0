// Durability for real: inject into a running `outpost start` from 20 sessions, kill -9 it in the
// middle, restart it, and count. Every message that got a 250 must be there, none twice.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logging.js';
import { Spool } from '../../src/spool/index.js';
import { tempDir } from '../helpers/tmp.js';
import { RawClient } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** Starts `outpost start`; resolves with the process and its log lines so far once it listens. */
function startOutpost(configFile: string): Promise<{ child: ChildProcess; port: number; log: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    let pending = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      log.push(...lines);
      const listening = lines.map((l) => /smtp listener on 127\.0\.0\.1:(\d+)/.exec(l)).find(Boolean);
      if (listening) resolve({ child, port: Number(listening[1]), log });
    });
    child.once('exit', (code) => reject(new Error(`outpost exited (${code}):\n${log.join('\n')}${pending}`)));
  });
}

/** Resolves once the process has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** One session sending messages one after another; records each token that got its 250. */
async function inject(
  port: number,
  session: number,
  acked: Set<string>,
  stop: () => boolean,
): Promise<number> {
  let sent = 0;
  while (!stop()) {
    const token = `s${session}-m${sent++}`;
    try {
      const c = await RawClient.connect(port);
      await c.reply();
      await c.command('HELO load.test');
      await c.command('MAIL FROM:<load@example.org>');
      await c.command(`RCPT TO:<${token}@example.net>`);
      if ((await c.command('DATA')) !== '354 send message') throw new Error('no 354');
      c.write(`X-Job: ${token}\r\nSubject: ${token}\r\n\r\n${'payload line\r\n'.repeat(300)}.\r\n`);
      if ((await c.reply()) === '250 2.6.0 message received') acked.add(token);
      c.close();
    } catch {
      return sent; // the server went away
    }
  }
  return sent;
}

describe('spool durability under kill -9', () => {
  it('keeps every acknowledged message exactly once across a crash and a restart', async (t) => {
    const dir = tempDir(t);
    const configFile = join(dir, 'outpost.config');
    writeFileSync(
      configFile,
      `<outpost>\n data-dir ${join(dir, 'data')}\n</outpost>\nhost-name crash.test\nsmtp-listener 127.0.0.1:0\n` +
        '<source 0/0>\n always-allow-relaying yes\n process-x-job yes\n</source>\n' +
        // Nothing may leave the spool during the count: the only next hop refuses connections.
        '<domain *>\n smtp-hosts [127.0.0.1]:9\n retry-after 1h\n</domain>\n',
    );
    const first = await startOutpost(configFile);
    t.after(() => first.child.kill('SIGKILL'));
    const acked = new Set<string>();
    let killed = false;
    const sessions = Array.from({ length: 20 }, (_, i) => inject(first.port, i, acked, () => killed));
    while (acked.size < 300) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill('SIGKILL');
    killed = true;
    const sent = (await Promise.all(sessions)).reduce((a, b) => a + b, 0);
    await exited(first.child);

    const second = await startOutpost(configFile);
    t.after(() => second.child.kill('SIGKILL'));
    const opened = second.log.map((l) => /open: (\d+) messages to deliver/.exec(l)).find(Boolean);
    assert.ok(opened, 'the restart reports what it recovered');
    second.child.kill('SIGTERM');
    await exited(second.child);

    const { spool, recovered } = await Spool.open(join(dir, 'data', 'spool'), { log: silentLogger() });
    t.after(() => spool.close());
    const tokens = recovered.map((e) => e.jobId!);
    const unique = new Set(tokens);
    assert.equal(unique.size, tokens.length, 'no message twice');
    const missing = [...acked].filter((token) => !unique.has(token));
    assert.deepEqual(missing, [], 'every 250 survived');
    assert.equal(Number(opened[1]), recovered.length);
    assert.ok(recovered.length <= sent, 'nothing that was never sent');
    t.diagnostic(`sent ${sent}, acknowledged ${acked.size}, recovered ${recovered.length}`);
  });
});
