// bench/connector, second half: does the Signals connector slow SMTP acceptance? The real
// `outpost start` (pinned to CPU 0) takes the same injection from Postfix's smtp-source (pinned to
// CPU 1) twice per run: once with a config without <signals>, once with <signals> uploading to the
// bench receiver. Prints messages/s of each and the ratio (target >= 0.9).
// It needs an SMTP listener in `outpost start`; without one it says so and exits 0.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/connector/smtp-impact.ts [--messages N] [--runs R]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY } from '../../test/events/signals/helpers/config.js';
import { median, option, pinned, startReceiver, tsx } from './util.js';

const MESSAGES = option('--messages', 20_000);
const RUNS = option('--runs', 3);
const SESSIONS = 20;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

function configText(dir: string, port: number, receiverPort: number | undefined): string {
  // Recipients at sink.invalid and a DNS server that does not answer: nothing leaves the machine.
  const signals =
    receiverPort === undefined
      ? ''
      : `<signals>\n  api-key ${API_KEY}\n  upload-url http://127.0.0.1:${receiverPort}/api/v1/ingest/events\n</signals>\nenable-signals true\n`;
  return `<outpost>
  data-dir ${dir}
  dns-server 127.0.0.1:1
</outpost>
host-name bench.outpost.localhost
smtp-listener 127.0.0.1:${port}
<source 127.0.0.1>
  smtp-service yes
  always-allow-relaying yes
  default-virtual-mta mta1
</source>
<virtual-mta mta1>
  smtp-source-host 127.0.0.1 bench.outpost.localhost
</virtual-mta>
<spool ${dir}/spool>
</spool>
${signals}`;
}

async function startOutpost(config: string, port: number): Promise<ChildProcess | undefined> {
  const [cmd, ...rest] = pinned(0, tsx('../../src/cli.ts', 'start', '--config', config));
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (await accepting(port)) return child;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  return undefined;
}

function inject(port: number): number {
  const command = pinned(1, [
    'smtp-source',
    '-s',
    String(SESSIONS),
    '-m',
    String(MESSAGES),
    '-l',
    '2048',
    '-f',
    'bench@bench.outpost.localhost',
    '-t',
    'user@sink.invalid',
    `127.0.0.1:${port}`,
  ]);
  const started = performance.now();
  const result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('smtp-source failed');
  return MESSAGES / ((performance.now() - started) / 1000);
}

const { child: receiver, port: receiverPort } = await startReceiver();
const work = mkdtempSync(join(tmpdir(), 'outpost-bench-smtp-'));
try {
  const rates: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const side of ['without', 'with'] as const) {
      const dir = mkdtempSync(join(work, `${side}-`));
      const port = await freePort();
      const config = join(dir, 'outpost.config');
      writeFileSync(config, configText(dir, port, side === 'with' ? receiverPort : undefined));
      const outpost = await startOutpost(config, port);
      if (!outpost) {
        console.log(
          '`outpost start` opens no SMTP listener in this build: SMTP acceptance not measured (skipped)',
        );
        process.exitCode = 0;
        throw new Error('skip');
      }
      try {
        rates[side].push(inject(port));
      } finally {
        outpost.kill('SIGTERM');
        await new Promise((resolve) => outpost.once('exit', resolve));
      }
      console.log(`run ${run + 1}  ${side.padEnd(7)} Signals  ${Math.round(rates[side].at(-1)!)} msgs/s`);
    }
  }
  const without = median(rates.without);
  const withSignals = median(rates.with);
  console.log(
    `\n${MESSAGES} messages x ${RUNS} runs, ${SESSIONS} sessions, smtp-source -> outpost start (CPU 0)`,
  );
  console.log(`without <signals>: ${Math.round(without)} msgs/s`);
  console.log(`with <signals>:    ${Math.round(withSignals)} msgs/s`);
  console.log(`ratio with / without: ${(withSignals / without).toFixed(2)} (target >= 0.9)`);
} catch (error) {
  if ((error as Error).message !== 'skip') throw error;
} finally {
  receiver.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
