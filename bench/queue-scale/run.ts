// bench/queue-scale: a million queued recipients. Fills a spool with N one-recipient messages, then
//   1. starts `outpost start` with every queue paused and reports its resident memory once recovery
//      and queueing are done (target: under 1 GB for 1,000,000 recipients);
//   2. starts it again with the queues running against Postfix's smtp-sink and reports the time from
//      process start to the first message the sink receives (target: under 30 s).
// There is no peer run here: Postfix keeps at most qmgr_message_active_limit (20,000) messages in
// memory and would need a million queue files; the figures are printed against their targets.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/queue-scale/run.ts [--recipients N]
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newMessageId } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging.js';
import { newSpoolId, Spool, type SpoolEnvelope } from '../../src/spool/index.js';
import { freePort } from '../lib/net.js';
import { recordResult } from '../lib/results.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const RECIPIENTS = option('--recipients', 1_000_000);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BODY = Buffer.from(
  `From: News <news@sender.test>\r\nTo: someone@example.test\r\nSubject: Weekly news\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: text/plain\r\n\r\n${'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n'.repeat(16)}`,
);

function envelope(i: number, now: number): SpoolEnvelope {
  return {
    v: 1,
    id: newSpoolId(now),
    messageId: newMessageId(now),
    receivedAt: now,
    mailFrom: 'bounces@sender.test',
    originalMailFrom: 'bounces@sender.test',
    recipients: [{ address: `user${i}@domain${i % 500}.example`, state: 'pending' }],
    size: BODY.length,
    jobId: `campaign-${i % 20}`,
    srcType: 'smtp',
    srcMta: 'injector.test (127.0.0.1)',
    helo: 'injector.test',
    clientIp: '127.0.0.1',
    localIp: '127.0.0.1',
    listener: '127.0.0.1:2587',
    headerFrom: 'news@sender.test',
    subject: 'Weekly news',
    delivery: {
      verp: false,
      suppressLocalDsn: false,
      dsnReturnDefault: 'system',
      addVirtualMtaHeader: false,
    },
  };
}

async function fill(dataDir: string): Promise<number> {
  const started = Date.now();
  const { spool } = await Spool.open(join(dataDir, 'spool'), { log: silentLogger(), compactEvery: 0 });
  const BATCH = 2000;
  for (let i = 0; i < RECIPIENTS; i += BATCH) {
    const now = Date.now();
    const stores: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + BATCH, RECIPIENTS); j++)
      stores.push(spool.store(envelope(j, now), BODY));
    await Promise.all(stores);
  }
  await spool.close();
  return (Date.now() - started) / 1000;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function startOutpost(configFile: string): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'start', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OUTPOST_LOG_LEVEL: 'info' },
  });
  let log = '';
  child.stderr!.on('data', (chunk) => {
    log += chunk;
  });
  return { child, log: () => log };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Phase 1: all queues paused; wait for recovery to finish queueing, then let memory settle. */
async function memoryWhilePaused(
  configFile: string,
  dataDir: string,
): Promise<{ rss: number; queuedAfter: number }> {
  writeFileSync(join(dataDir, 'queue-state.json'), JSON.stringify({ queues: ['*'], jobs: [] }));
  const started = Date.now();
  const { child, log } = startOutpost(configFile);
  try {
    while (!/queued \d+ recovered messages/.test(log())) {
      if (child.exitCode !== null) throw new Error(`outpost exited:\n${log()}`);
      if (Date.now() - started > 600_000) throw new Error('recovery took more than 10 minutes');
      await sleep(200);
    }
    const queuedAfter = (Date.now() - started) / 1000;
    // Steady state: V8 returns the pages recovery used once allocation stops (its memory reducer
    // runs a few seconds into idleness), so sample for 30 s and report the settled value.
    const samples: number[] = [];
    for (let i = 0; i < 30; i++) {
      await sleep(1000);
      samples.push(rssMb(child.pid!));
    }
    if (process.env.SHOW_RSS) console.log(`rss samples: ${samples.map((s) => s.toFixed(0)).join(' ')}`);
    return { rss: samples.at(-1)!, queuedAfter };
  } finally {
    await stop(child);
  }
}

/** Phase 2: queues running; the time from process start to the sink's first message. */
async function timeToFirstDelivery(
  configFile: string,
  dataDir: string,
  sinkDir: string,
  sinkPort: number,
): Promise<number> {
  rmSync(join(dataDir, 'queue-state.json'), { force: true });
  const sink = spawn(
    'smtp-sink',
    ['-u', 'postfix', '-d', `${sinkDir}/%H%M%S.`, `127.0.0.1:${sinkPort}`, '256'],
    { stdio: 'ignore' },
  );
  await sleep(300);
  const started = Date.now();
  const { child, log } = startOutpost(configFile);
  try {
    while (readdirSync(sinkDir).length === 0) {
      if (child.exitCode !== null) throw new Error(`outpost exited:\n${log()}`);
      if (Date.now() - started > 300_000) throw new Error('no delivery within 5 minutes');
      await sleep(50);
    }
    return (Date.now() - started) / 1000;
  } finally {
    await stop(child);
    sink.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-queue-'));
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const sinkDir = join(dir, 'sink');
  mkdirSync(sinkDir, { mode: 0o777 });
  chmodSync(sinkDir, 0o777);
  const sinkPort = await freePort();
  const configFile = join(dir, 'outpost.config');
  writeFileSync(
    configFile,
    `<outpost>\n  data-dir ${dataDir}\n</outpost>\nhost-name bench.outpost.localhost\nsmtp-listener 127.0.0.1:0\n` +
      `<domain *>\n  smtp-hosts [127.0.0.1]:${sinkPort}\n</domain>\n`,
  );
  try {
    console.log(`bench/queue-scale: ${RECIPIENTS.toLocaleString('en')} queued recipients (one per message)`);
    const fillSeconds = await fill(dataDir);
    console.log(
      `spool filled in ${fillSeconds.toFixed(1)} s (${Math.round(RECIPIENTS / fillSeconds)} messages/s)`,
    );
    const { rss, queuedAfter } = await memoryWhilePaused(configFile, dataDir);
    const first = await timeToFirstDelivery(configFile, dataDir, sinkDir, sinkPort);
    console.log('');
    console.log('| figure | Outpost | target | Outpost / target |');
    console.log('|---|---:|---:|---:|');
    console.log(
      `| resident memory, all queued and paused | ${rss.toFixed(0)} MB | 1024 MB | ${(rss / 1024).toFixed(2)} |`,
    );
    console.log(`| restart: spool recovered and queued | ${queuedAfter.toFixed(1)} s | – | – |`);
    console.log(
      `| restart: first message delivered | ${first.toFixed(1)} s | 30 s | ${(first / 30).toFixed(2)} |`,
    );
    const noPeer = 'none (Postfix holds 20,000 messages in memory at most)';
    const common = { bench: 'queue-scale', peerName: noPeer, better: 'lower' } as const;
    recordResult({
      ...common,
      figure: '1M queued recipients, resident',
      unit: 'MB',
      outpost: rss,
      target: 1024,
    });
    recordResult({
      ...common,
      figure: '1M queued, restart to first delivery',
      unit: 's',
      outpost: first,
      target: 30,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
