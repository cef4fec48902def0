// bench/inject: how fast does Outpost accept mail durably, against Postfix on the same machine in the
// same run? Postfix's smtp-source (20 sessions, 10 KiB messages) drives `outpost start` (the built
// dist/, spool fsync and all) and then Postfix, once with a new connection per message and once with
// -d (connections reused). Prints messages/s of each, CPU per message, and the ratios. Every run
// checks that every message arrived: Outpost's spool must hold N messages, Postfix's queue N files.
// Run: flock /tmp/outpost-heavy.lock npm run bench:inject -- [--messages N] [--runs R]
// OUTPOST_BENCH_PROFILE=DIR writes a CPU profile of the Outpost process (node --cpu-prof) into DIR.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logging.js';
import { Spool } from '../../src/spool/index.js';
import { boxBusy, cpuTree, profileArgs, waitQuiet } from '../lib/machine.js';
import { freePort } from '../lib/net.js';
import {
  configurePostfix,
  type PostfixVariant,
  postfixAvailable,
  postfixMasterPid,
  queued,
  smtpSource,
  startPostfix,
  stopPostfix,
} from '../lib/postfix.js';
import { recordResult } from '../lib/results.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MESSAGES = option('--messages', 20_000);
const RUNS = option('--runs', 3);
const SESSIONS = 20;
const SIZE = 10_240;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Measure {
  rate: number;
  cpuPerMessage: number;
  /** CPU-cores used by processes other than the server and smtp-source during the run. */
  others: number;
}

/**
 * Runs smtp-source against a server whose process tree is `server`, on a quiet box. `ours` when
 * the server is a child of this process (its CPU is then inside this process's tree too).
 */
async function drive(port: number, persistent: boolean, server: number, ours: boolean): Promise<Measure> {
  if (!(await waitQuiet())) console.error('  warning: the box did not get quiet; numbers may be disturbed');
  const [box0, server0, self0] = [boxBusy(), cpuTree(server), cpuTree(process.pid)];
  const seconds = smtpSource(port, { messages: MESSAGES, sessions: SESSIONS, size: SIZE, persistent });
  const serverCpu = cpuTree(server) - server0;
  const selfCpu = cpuTree(process.pid) - self0;
  const others = boxBusy() - box0 - selfCpu - (ours ? 0 : serverCpu);
  return {
    rate: MESSAGES / seconds,
    cpuPerMessage: serverCpu / MESSAGES,
    others: Math.max(0, others) / seconds,
  };
}

async function startOutpost(dir: string, port: number): Promise<ChildProcess> {
  const config = join(dir, 'outpost.config');
  writeFileSync(
    config,
    // The queue holds what arrives (max-smtp-out 0), as Postfix's hold queue does; recipients are at
    // sink.invalid and DNS goes to a closed port, so nothing could leave the machine anyway.
    `<outpost>\n  data-dir ${dir}\n  dns-server 127.0.0.1:1\n</outpost>\n` +
      `host-name bench.outpost.localhost\nsmtp-listener 127.0.0.1:${port}\n` +
      '<source 0/0>\n  always-allow-relaying yes\n</source>\n<domain *>\n  max-smtp-out 0\n</domain>\n',
  );
  const child = spawn(
    process.execPath,
    [...profileArgs(), join(ROOT, 'dist/cli.js'), 'start', '--config', config],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OUTPOST_LOG_LEVEL: 'warn' },
    },
  );
  let errors = '';
  child.stderr!.on('data', (chunk) => {
    errors += chunk;
  });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`outpost start failed:\n${errors}`);
    const listening = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe
        .once('error', () => resolve(true))
        .listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (listening) return child;
    await sleep(50);
  }
  throw new Error('outpost did not start listening');
}

async function measureOutpost(persistent: boolean): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-inject-'));
  try {
    const port = await freePort();
    const child = await startOutpost(dir, port);
    const measure = await drive(port, persistent, child.pid!, true);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const { spool, recovered } = await Spool.open(join(dir, 'spool'), {
      log: silentLogger(),
      compactEvery: 0,
    });
    await spool.close();
    if (recovered.length !== MESSAGES) throw new Error(`Outpost spooled ${recovered.length} of ${MESSAGES}`);
    return measure;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measurePostfix(persistent: boolean, variant: PostfixVariant): Promise<Measure> {
  const [port, sinkPort] = [await freePort(), await freePort()];
  configurePostfix(port, sinkPort, variant);
  const sink =
    variant === 'relay'
      ? spawn('smtp-sink', ['-c', '-m', '1024', '-u', 'postfix', `127.0.0.1:${sinkPort}`, '4096'], {
          stdio: 'ignore',
        })
      : undefined;
  try {
    startPostfix();
    await sleep(1000);
    const measure = await drive(port, persistent, postfixMasterPid(), false);
    if (variant === 'hold') {
      await sleep(500);
      const held = queued(['hold']);
      if (held !== MESSAGES) throw new Error(`Postfix held ${held} of ${MESSAGES}`);
    }
    return measure;
  } finally {
    stopPostfix();
    sink?.kill();
  }
}

async function main(): Promise<void> {
  const missing = postfixAvailable();
  if (missing) {
    console.log(`bench/inject: skipped (${missing})`);
    return;
  }
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  console.log(
    `bench/inject: smtp-source -s ${SESSIONS} -l ${SIZE}, ${MESSAGES} messages per run, median of ${RUNS} runs`,
  );
  const rows: string[][] = [];
  let othersMax = 0;
  for (const persistent of [false, true]) {
    const results: Record<string, Measure[]> = { outpost: [], hold: [], relay: [] };
    for (let run = 0; run < RUNS; run++) {
      const progress = (name: string, m: Measure) =>
        console.error(
          `  ${persistent ? 'persistent' : 'per-message'} run ${run + 1}: ${name} ${Math.round(m.rate)} msg/s, ` +
            `${Math.round(m.cpuPerMessage * 1e6)} µs CPU/msg, others used ${m.others.toFixed(2)} cores`,
        );
      results.outpost!.push(await measureOutpost(persistent));
      progress('outpost', results.outpost!.at(-1)!);
      results.hold!.push(await measurePostfix(persistent, 'hold'));
      progress('postfix hold', results.hold!.at(-1)!);
      results.relay!.push(await measurePostfix(persistent, 'relay'));
      progress('postfix relay', results.relay!.at(-1)!);
    }
    othersMax = Math.max(othersMax, ...Object.values(results).flatMap((list) => list.map((m) => m.others)));
    const rate = (k: string) => median(results[k]!.map((m) => m.rate));
    const cpu = (k: string) => `${Math.round(median(results[k]!.map((m) => m.cpuPerMessage)) * 1e6)} µs`;
    for (const [peerKey, peerName] of [
      ['hold', 'Postfix (hold queue)'],
      ['relay', 'Postfix (relaying to smtp-sink)'],
    ] as const) {
      recordResult({
        bench: 'inject',
        figure: `accepted and spooled, ${SESSIONS} sessions, ${persistent ? 'connections reused' : 'a connection per message'}`,
        unit: 'msg/s',
        outpost: rate('outpost'),
        peer: rate(peerKey),
        peerName,
        better: 'higher',
        targetRatio: peerKey === 'hold' ? 4 : undefined,
      });
    }
    rows.push([
      persistent ? 'persistent (-d)' : 'per-message',
      `${Math.round(rate('outpost'))} (${cpu('outpost')})`,
      `${Math.round(rate('hold'))} (${cpu('hold')})`,
      `${(rate('outpost') / rate('hold')).toFixed(2)}x`,
      `${Math.round(rate('relay'))} (${cpu('relay')})`,
      `${(rate('outpost') / rate('relay')).toFixed(2)}x`,
    ]);
  }
  const header = [
    'connections',
    'Outpost msg/s (CPU/msg)',
    'Postfix hold',
    'ratio',
    'Postfix relay',
    'ratio',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log('(hold: Postfix queues durably and delivers nothing, as Outpost here; relay: Postfix also');
  console.log(' relays each message to smtp-sink while accepting, the setup of shared/peers/RESULTS.md)');
  console.log(`other processes used at most ${othersMax.toFixed(2)} CPU-cores during a run (2 cores in all)`);
}

await main();
