// bench/soak (not CI, not part of `npm run bench`'s table): mixed traffic for a long time, then an
// exact reconciliation. Outpost runs as `outpost start` on the demo's configuration (the default
// config with its bounce/FBL processors and engagement tracking, scripts/demo/config.mjs) with its
// Signals server on ClickHouse; `outpost sink` answers as mailbox providers do (defers, greylists,
// unknown users, blocks), sends DSNs and ARF complaints back to the bounce/FBL listener and fetches
// the open pixels. Every `--sample` seconds the RSS of each process is sampled. At the end, once
// every message has its final outcome and the connector's staging is empty, the MTA's accounting
// (r, d, b, t, rb, f records) is compared per type with what the Signals server stored.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/soak/run.ts [--minutes 60] [--rate 10] [--sample 60]
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClickHouse } from '../../test/helpers/clickhouse.js';
import { freePort } from '../../test/helpers/smtp-sink.js';
import { accountingCounts } from '../../test/scale-out/accounting.js';
import { OutpostProcess } from '../../test/scale-out/processes.js';
import { option } from '../connector/util.js';

const MINUTES = option('--minutes', 60);
const RATE = option('--rate', 10);
const SAMPLE_SECONDS = option('--sample', 60);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Demo {
  outpostConfig(path: string, o: { ports: Record<string, number>; dataDir: string }): string;
  sinkConfig(defaults: unknown, o: { ports: Record<string, number>; seed: number }): unknown;
  inject(o: { port: number; count: number; seed: number }): Promise<{ sent: number; failed: number }>;
}
// Plain JavaScript modules of the demo: imported by path so TypeScript does not need their types.
const demoConfig = `${ROOT}scripts/demo/config.mjs`;
const demoTraffic = `${ROOT}scripts/demo/traffic.mjs`;
const demo = { ...(await import(demoConfig)), ...(await import(demoTraffic)) } as Demo;

/** Accounting record type → the Signals event type it becomes. */
const RECONCILE: Record<string, string> = {
  r: 'injection',
  d: 'delivery',
  b: 'bounce',
  t: 'delay',
  rb: 'out_of_band',
  f: 'spam_complaint',
};

async function sql(url: string, query: string): Promise<string> {
  const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`, { method: 'POST' });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse: ${text.slice(0, 300)}`);
  return text;
}

async function stored(url: string): Promise<{ byType: Record<string, number>; rows: number; ids: number }> {
  const byType: Record<string, number> = {};
  for (const line of (await sql(url, 'SELECT type, count() FROM soak.events GROUP BY type'))
    .trim()
    .split('\n')) {
    const [type, n] = line.split('\t');
    if (type) byType[type] = Number(n);
  }
  const [rows, ids] = (await sql(url, 'SELECT count(), uniqExact(event_id) FROM soak.events'))
    .trim()
    .split('\t');
  return { byType, rows: Number(rows), ids: Number(ids) };
}

/** PIDs of the processes whose command line names `text` (the ClickHouse server of this run). */
function pidsOf(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

function rssOfPid(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

const work = mkdtempSync(join(tmpdir(), 'outpost-soak-'));
const clickhouse = await startClickHouse();
const processes: OutpostProcess[] = [];
// Ctrl-C or a kill mid-run still stops every process this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    for (const p of processes.reverse()) await p.stop();
    await clickhouse.stop();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
}
try {
  const ports = {
    inject: await freePort(),
    bounce: await freePort(),
    mgmt: await freePort(),
    signals: await freePort(),
    sink: await freePort(),
  };
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const config = demo
    .outpostConfig(join(ROOT, 'config/outpost.config'), { ports, dataDir })
    .replace(
      '    storage duckdb\n',
      `    storage clickhouse\n    clickhouse-url ${clickhouse.url}\n    clickhouse-database soak\n`,
    )
    // Recipient-level deferrals and greylisting are retried as often as the demo's queue retries.
    .replace('    retry-after 20s\n', '    retry-after 20s\n    retry-recipients-after 20s\n')
    .concat(`\n<acct-file ${work}/acct/acct.csv>\n    records r,d,b,t,rb,f\n</acct-file>\n`);
  const configFile = join(work, 'outpost.config');
  writeFileSync(configFile, config);
  const defaults = JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'sink', '--print-defaults'],
      {
        encoding: 'utf8',
      },
    ),
  );
  const sinkFile = join(work, 'sink.json');
  writeFileSync(sinkFile, JSON.stringify(demo.sinkConfig(defaults, { ports, seed: 1 })));
  const sink = await OutpostProcess.start(
    'sink',
    ['sink', '--config', sinkFile, '--listen', `127.0.0.1:${ports.sink}`, '--stats-every', '10'],
    /sink listening/,
  );
  processes.push(sink.process);
  const outpost = await OutpostProcess.start(
    'outpost',
    ['start', '--config', configFile],
    /Outpost starting/,
  );
  processes.push(outpost.process);
  const acct = { accounting: (jobs = false) => accountingCounts(join(work, 'acct'), jobs) };
  await new Promise((r) => setTimeout(r, 3000));

  const chPids = pidsOf(`${clickhouse.dir}/config.xml`);
  const samples: string[] = [];
  const sample = (label: string) => {
    const mb = (p: OutpostProcess) => (p.rss() / 2 ** 20).toFixed(0);
    const ch = chPids.reduce((sum, pid) => sum + rssOfPid(pid), 0).toFixed(0);
    const a = acct.accounting();
    const line = `${label.padEnd(8)} outpost ${mb(outpost.process)} MB  sink ${mb(sink.process)} MB  clickhouse ${ch} MB   r=${a.r ?? 0} d=${a.d ?? 0} b=${a.b ?? 0} t=${a.t ?? 0} rb=${a.rb ?? 0} f=${a.f ?? 0}`;
    samples.push(line);
    console.log(line);
    appendFileSync(join(tmpdir(), 'outpost-soak-progress.log'), `${new Date().toISOString()} ${line}\n`);
  };

  const started = Date.now();
  const end = started + MINUTES * 60_000;
  let sent = 0;
  let failed = 0;
  let round = 0;
  let nextSample = started;
  while (Date.now() < end) {
    if (Date.now() >= nextSample) {
      sample(`${Math.round((Date.now() - started) / 60_000)} min`);
      nextSample += SAMPLE_SECONDS * 1000;
    }
    const tick = Date.now();
    const result = await demo.inject({ port: ports.inject, count: RATE * 5, seed: ++round });
    sent += result.sent;
    failed += result.failed;
    await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (Date.now() - tick))));
  }
  sample('end');
  console.log(
    `\ninjected ${sent} messages in ${MINUTES} min (${failed} refused); waiting for final outcomes`,
  );

  // Every message finished (deferrals retry every 20 s; bounce-after 15m), then the sink's
  // follow-ups (DSNs, complaints, reads, up to 15 s later), then the connector's last upload.
  const deadline = Date.now() + 20 * 60_000;
  // Only the injected messages (they name a job): Outpost's own DSNs to the bounce domain are
  // delivered too, and counted on both sides of the reconciliation, but were never injected.
  const finished = () => {
    const a = acct.accounting(true);
    return (a.r ?? 0) === sent && (a.d ?? 0) + (a.b ?? 0) === sent;
  };
  while (!finished() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2000));
  await new Promise((r) => setTimeout(r, 30_000));
  const staging = join(dataDir, 'signals');
  const stagedCount = () => readdirSync(staging).filter((n) => n.startsWith('sp1-')).length;
  while (stagedCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  await new Promise((r) => setTimeout(r, 10_000));
  sample('settled');

  // r records of the injected mail only: the DSNs and ARF reports the sink sends back are received
  // (and accounted) too, but the processors consume them; they are not injections.
  const a: Record<string, number> = { ...acct.accounting(), r: acct.accounting(true).r ?? 0 };
  const reports = (acct.accounting().r ?? 0) - (a.r ?? 0);
  const s = await stored(clickhouse.url);
  console.log('\nmemory over time (RSS):');
  for (const line of samples) console.log(`  ${line}`);
  console.log('\nreconciliation: MTA accounting vs events the Signals server stored');
  let exact = finished();
  for (const [record, type] of Object.entries(RECONCILE)) {
    const ok = (a[record] ?? 0) === (s.byType[type] ?? 0);
    exact &&= ok;
    console.log(
      `  ${record.padEnd(3)} ${String(a[record] ?? 0).padStart(7)}  ${type.padEnd(15)} ${String(s.byType[type] ?? 0).padStart(7)}  ${ok ? 'equal' : 'DIFFERENT'}`,
    );
  }
  console.log(`  r records of reports received by the bounce/FBL processors (not injections): ${reports}`);
  const tracking = ['initial_open', 'open', 'click'].map((t) => `${t} ${s.byType[t] ?? 0}`).join(', ');
  console.log(`  tracking events stored (not in the accounting file): ${tracking}`);
  const sinkStats = [...sink.process.log].reverse().find((l) => l.startsWith('{'));
  console.log(`  sink's last counters: ${sinkStats ?? '(none)'}`);
  console.log(
    `  stored rows ${s.rows}, distinct event ids ${s.ids}: ${s.rows === s.ids ? 'no duplicates' : 'DUPLICATES'}`,
  );
  console.log(`  every message final: ${finished() ? 'yes' : 'NO'}; staged files left: ${stagedCount()}`);
  console.log(`\nreconciliation ${exact && s.rows === s.ids ? 'EXACT' : 'NOT exact'}`);
  if (!(exact && s.rows === s.ids)) process.exitCode = 1;
} finally {
  for (const p of processes.reverse()) await p.stop();
  await clickhouse.stop();
  rmSync(work, { recursive: true, force: true });
}
