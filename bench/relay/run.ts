// bench/relay: end-to-end relaying, against Postfix on the same machine in the same run. Postfix's
// smtp-source (20 sessions, 10 KiB messages, a connection per message) injects into `outpost start`
// (the built dist/, spool fsync and all), which delivers every message to Postfix's smtp-sink; then
// the same into Postfix relaying to the same sink (the peers' setup, shared/peers/RESULTS.md).
// End-to-end msg/s counts from the first connection until the sink has all N messages, so it is
// bounded by whichever of accepting and delivering is slower. The sink's own counter (smtp-sink -c)
// proves every message arrived. Prints the medians, CPU per message and the ratio.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/relay/run.ts [--messages N] [--runs R]
// OUTPOST_BENCH_PROFILE=DIR writes a CPU profile of the Outpost process (node --cpu-prof) into DIR.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, option } from '../connector/util.js';
import { boxBusy, cpuTree, profileArgs, waitQuiet } from '../lib/machine.js';
import { freePort, waitAccepting } from '../lib/net.js';
import {
  configurePostfix,
  postfixAvailable,
  postfixMasterPid,
  smtpSourceAsync,
  startPostfix,
  stopPostfix,
} from '../lib/postfix.js';
import { recordResult } from '../lib/results.js';

const MESSAGES = option('--messages', 10_000);
const RUNS = option('--runs', 3);
const SESSIONS = 20;
const SIZE = 10_240;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TARGET_RATIO = 3;

/** smtp-sink with its running counter (`-c`: "mesg=N" after each DATA) read from stdout. */
async function startSink(): Promise<{ child: ChildProcess; port: number; received: () => number }> {
  const port = await freePort();
  const child = spawn('smtp-sink', ['-c', '-u', 'postfix', `127.0.0.1:${port}`, '1024'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let received = 0;
  child.stdout!.setEncoding('latin1').on('data', (text: string) => {
    const counts = text.match(/mesg=(\d+)/g);
    if (counts) received = Number(counts.at(-1)!.slice(5));
  });
  if (!(await waitAccepting(port))) throw new Error('smtp-sink did not start');
  return { child, port, received: () => received };
}

function outpostConfig(dir: string, port: number, sinkPort: number): string {
  // What a PowerMTA user relaying bulk mail to one provider would write: 20 connections, reused,
  // and kept open 2 s when the queue runs empty (Postfix does the same by default:
  // smtp_connection_cache_on_demand with smtp_connection_cache_time_limit 2s).
  return `<outpost>\n  data-dir ${dir}\n  dns-server 127.0.0.1:1\n</outpost>
host-name bench.outpost.localhost
smtp-listener 127.0.0.1:${port}
<source 127.0.0.1>
  always-allow-relaying yes
</source>
<domain *>
  smtp-hosts [127.0.0.1]:${sinkPort}
  max-smtp-out 20
  connection-idle-timeout 2s
</domain>
`;
}

interface Measure {
  rate: number;
  /** Messages/s of the accepting alone (smtp-source finished), to tell which side bounds the run. */
  acceptRate: number;
  cpuPerMessage: number;
  others: number;
}

/** Injects N messages and waits until the sink counted them all; times and CPU of `server`. */
async function relay(
  port: number,
  server: () => number,
  sink: () => number,
  ours: boolean,
): Promise<Measure> {
  if (!(await waitQuiet())) console.error('  warning: the box did not get quiet; numbers may be disturbed');
  const before = sink();
  const [box0, server0, self0] = [boxBusy(), cpuTree(server()), cpuTree(process.pid)];
  const started = performance.now();
  // The sink's counter is read while smtp-source runs: a blocked event loop would stop the sink.
  let accepting = 0;
  const source = smtpSourceAsync(port, { messages: MESSAGES, sessions: SESSIONS, size: SIZE }).then(
    (seconds) => {
      accepting = seconds;
    },
  );
  for (let idle = 0; sink() - before < MESSAGES; ) {
    const seen = sink();
    await new Promise((resolve) => setTimeout(resolve, 20));
    idle = sink() === seen ? idle + 20 : 0;
    if (idle > 60_000)
      throw new Error(`the sink got ${sink() - before} of ${MESSAGES} and then nothing for 60 s`);
  }
  const seconds = (performance.now() - started) / 1000;
  await source;
  const serverCpu = cpuTree(server()) - server0;
  const selfCpu = cpuTree(process.pid) - self0;
  const others = boxBusy() - box0 - selfCpu - (ours ? 0 : serverCpu);
  return {
    rate: MESSAGES / seconds,
    acceptRate: MESSAGES / accepting,
    cpuPerMessage: serverCpu / MESSAGES,
    others: Math.max(0, others) / seconds,
  };
}

async function measureOutpost(sink: Awaited<ReturnType<typeof startSink>>): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-relay-'));
  const port = await freePort();
  writeFileSync(join(dir, 'outpost.config'), outpostConfig(dir, port, sink.port));
  const child = spawn(
    process.execPath,
    [...profileArgs(), join(ROOT, 'dist/cli.js'), 'start', '--config', join(dir, 'outpost.config')],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, OUTPOST_LOG_LEVEL: 'warn' },
    },
  );
  try {
    if (!(await waitAccepting(port, 20_000, () => child.exitCode !== null)))
      throw new Error('outpost did not start');
    return await relay(port, () => child.pid!, sink.received, true);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measurePostfix(sink: Awaited<ReturnType<typeof startSink>>): Promise<Measure> {
  const port = await freePort();
  configurePostfix(port, sink.port, 'relay');
  try {
    startPostfix();
    if (!(await waitAccepting(port))) throw new Error('postfix did not start');
    return await relay(port, postfixMasterPid, sink.received, false);
  } finally {
    stopPostfix();
  }
}

async function main(): Promise<void> {
  const missing = postfixAvailable();
  if (missing) {
    console.log(`bench/relay: skipped (${missing})`);
    return;
  }
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  console.log(
    `bench/relay: smtp-source -s ${SESSIONS} -l ${SIZE} -> server -> smtp-sink, ${MESSAGES} messages, median of ${RUNS} runs`,
  );
  const sink = await startSink();
  const results = { outpost: [] as Measure[], postfix: [] as Measure[] };
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [name, measure] of [
        ['outpost', () => measureOutpost(sink)],
        ['postfix', () => measurePostfix(sink)],
      ] as const) {
        const m = await measure();
        results[name].push(m);
        console.error(
          `  run ${run + 1}: ${name} ${Math.round(m.rate)} msg/s end to end (accepting ${Math.round(m.acceptRate)}), ` +
            `${Math.round(m.cpuPerMessage * 1e6)} µs CPU/msg, others used ${m.others.toFixed(2)} cores`,
        );
      }
    }
  } finally {
    sink.child.kill();
  }
  const rate = (name: keyof typeof results) => median(results[name].map((m) => m.rate));
  const cpu = (name: keyof typeof results) =>
    Math.round(median(results[name].map((m) => m.cpuPerMessage)) * 1e6);
  const ratio = rate('outpost') / rate('postfix');
  console.log(`Outpost: ${Math.round(rate('outpost'))} msg/s end to end (${cpu('outpost')} µs CPU/msg)`);
  console.log(`Postfix: ${Math.round(rate('postfix'))} msg/s end to end (${cpu('postfix')} µs CPU/msg)`);
  console.log(
    `ratio Outpost / Postfix: ${ratio.toFixed(2)}x (target ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`,
  );
  recordResult({
    bench: 'relay',
    figure: `relayed end to end, ${SESSIONS} sessions, 10 KiB`,
    unit: 'msg/s',
    outpost: rate('outpost'),
    peer: rate('postfix'),
    peerName: 'Postfix (relay, fsync queue)',
    better: 'higher',
    targetRatio: TARGET_RATIO,
  });
}

await main();
