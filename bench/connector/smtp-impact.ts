// bench/connector, second half: does the Signals connector slow SMTP acceptance? The real
// `outpost start` (pinned to CPU 0; it also delivers every message to Postfix's smtp-sink) takes
// the same injection from Postfix's smtp-source (pinned to CPU 1) twice per run: once without
// <signals>, once with <signals> uploading every 5 s to the bench receiver (CPU 1). Prints
// messages/s of each and the ratio (target >= 0.9).
// It needs an SMTP listener in `outpost start`; without one it says so and exits 0.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/connector/smtp-impact.ts [--messages N] [--runs R]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY } from '../../test/events/signals/helpers/config.js';
import { freePort, waitAccepting } from '../lib/net.js';
import { median, option, pinned, startReceiver, tsx } from './util.js';

const MESSAGES = option('--messages', 10_000);
const RUNS = option('--runs', 3);
const SESSIONS = 20;

function configText(dir: string, port: number, sinkPort: number, receiverPort: number | undefined): string {
  // Every message is delivered to Postfix's smtp-sink on loopback: nothing leaves the machine, and
  // each message makes a reception and a delivery event, as in production.
  const signals =
    receiverPort === undefined
      ? ''
      : `<signals>\n  api-key ${API_KEY}\n  upload-url http://127.0.0.1:${receiverPort}/api/v1/ingest/events\n</signals>\nenable-signals true\n`;
  return `<outpost>
  data-dir ${dir}
  signals-upload-interval 5
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
<domain *>
  smtp-hosts [127.0.0.1]:${sinkPort}
</domain>
${signals}`;
}

/** Postfix's smtp-sink on CPU 1: accepts every message and keeps none. */
async function startSink(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const [cmd, ...rest] = pinned(1, ['smtp-sink', '-u', 'postfix', `127.0.0.1:${port}`, '256']);
  const child = spawn(cmd!, rest, { stdio: 'ignore' });
  if (!(await waitAccepting(port))) throw new Error('smtp-sink did not start');
  return { child, port };
}

async function startOutpost(config: string, port: number): Promise<ChildProcess | undefined> {
  const [cmd, ...rest] = pinned(0, tsx('../../src/cli.ts', 'start', '--config', config));
  // Info logs and config warnings off: the measured process should not spend its CPU on them.
  const env = { ...process.env, OUTPOST_LOG_LEVEL: 'error' };
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'ignore', 'ignore'], env });
  if (await waitAccepting(port, 10_000, () => child.exitCode !== null)) return child;
  child.kill('SIGTERM');
  return undefined;
}

async function uploadedEvents(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/count`);
  return ((await response.json()) as { events: number }).events;
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
const sink = await startSink();
const work = mkdtempSync(join(tmpdir(), 'outpost-bench-smtp-'));
try {
  const rates: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const side of ['without', 'with'] as const) {
      const dir = mkdtempSync(join(work, `${side}-`));
      const port = await freePort();
      const config = join(dir, 'outpost.config');
      writeFileSync(config, configText(dir, port, sink.port, side === 'with' ? receiverPort : undefined));
      const before = await uploadedEvents(receiverPort);
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
      const uploaded = (await uploadedEvents(receiverPort)) - before;
      console.log(
        `run ${run + 1}  ${side.padEnd(7)} Signals  ${Math.round(rates[side].at(-1)!)} msgs/s  (${uploaded} events uploaded meanwhile)`,
      );
    }
  }
  const without = median(rates.without);
  const withSignals = median(rates.with);
  console.log(
    `\n${MESSAGES} messages x ${RUNS} runs, ${SESSIONS} sessions, smtp-source -> outpost start (CPU 0)`,
  );
  console.log(`without <signals>: ${Math.round(without)} msgs/s`);
  console.log(`with <signals>:    ${Math.round(withSignals)} msgs/s`);
  console.log(`ratio of the medians, with / without: ${(withSignals / without).toFixed(2)} (target >= 0.9)`);
  // Each run's pair ran back to back, so its ratio is less exposed to load from other processes.
  const paired = rates.with.map((rate, i) => rate / rates.without[i]!);
  console.log(
    `per-run ratios: ${paired.map((r) => r.toFixed(2)).join(' ')}; median ${median(paired).toFixed(2)}`,
  );
} catch (error) {
  if ((error as Error).message !== 'skip') throw error;
} finally {
  receiver.kill('SIGTERM');
  sink.child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
