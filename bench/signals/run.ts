// bench/signals: the Signals server on DuckDB (the embedded default) and on ClickHouse 18.16 (the
// scale-out engine, the natural peer), same machine, same run, same generated data.
// - Store queries and dashboard pages: 10 million events over 30 days (generate.ts: 20 campaigns,
//   4 pools, 13 recipient domains, 600k recipients), loaded once into both stores (dataset.ts) and
//   queried through the HTTP APIs, medians (targets: summary by campaign 100 ms, hourly series of a
//   pool 50 ms, recipient search 20 ms, unique opens per campaign 200 ms, each page 300 ms).
// - HTTP ingest: one further day of the same generator (--ingest events, default 2 million) as
//   PowerMTA-style gzip uploads (uploads.ts) into a fresh Outpost server per engine, timed until
//   every batch is stored (target: 100,000 events/s into DuckDB). Its peer is ClickHouse's own HTTP
//   insert of the same events, already validated and flattened, into a table of the same schema:
//   what a columnar database takes over HTTP when it has nothing to check, enrich or journal.
// Ratios are DuckDB ÷ ClickHouse (times: below 1 means DuckDB is faster; rates: above 1).
// Run under the CPU lock:
//   flock /tmp/outpost-heavy.lock npx tsx bench/signals/run.ts [--events N] [--ingest N] [--runs N] [--dir DIR]
// --ingest-only measures the HTTP ingest alone (DuckDB and its peer; no queries, no results recorded),
// for iterating on the write path; BENCH_SERVER_FLAGS passes node flags (--cpu-prof) to the server.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startClickHouse } from '../../test/helpers/clickhouse.js';
import { boxBusy, cpuTree } from '../lib/machine.js';
import { recordResult } from '../lib/results.js';
import { CLICKHOUSE_DATABASE, ensureDataset } from './dataset.js';
import { type EngineFigures, measureEngine } from './engine.js';
import { clickhouseIngest, clickhouseQuery, type IngestResult, outpostIngest } from './ingest.js';
import { ensureUploads } from './uploads.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1]! : fallback;
}

const events = Number(option('--events', '10000000'));
const ingestEvents = Number(option('--ingest', '2000000'));
const runs = Number(option('--runs', '7'));
const dir = option('--dir', '/tmp/outpost-bench-signals');
const ingestOnly = process.argv.includes('--ingest-only');
const recipients = Math.round(events * 0.06);

const clickhouse = await startClickHouse({ dataDir: join(dir, 'clickhouse') });
const box0 = boxBusy();
const own0 = cpuTree(process.pid);
try {
  const dataset = await ensureDataset(dir, { events, days: 30, recipients, seed: 42 }, clickhouse.url);
  if (dataset.loadSeconds) console.log(`built the data set in ${dataset.loadSeconds.toFixed(0)} s`);
  const uploads = ensureUploads(dir, ingestEvents, dataset.end + 86400, recipients);

  console.log(
    `HTTP ingest of ${uploads.events.toLocaleString('en-US')} events in ${uploads.bodies.length} uploads`,
  );
  const ingest: Record<string, IngestResult> = {};
  ingest.duckdb = await outpostIngest(uploads, 'duckdb', clickhouse.url);
  if (!ingestOnly) ingest.clickhouse = await outpostIngest(uploads, 'clickhouse', clickhouse.url);
  const peerDb = 'bench_peer';
  await clickhouseQuery(clickhouse.url, `DROP DATABASE IF EXISTS ${peerDb}`);
  await clickhouseQuery(clickhouse.url, `CREATE DATABASE ${peerDb}`);
  await clickhouseQuery(clickhouse.url, `CREATE TABLE ${peerDb}.events AS ${CLICKHOUSE_DATABASE}.events`);
  ingest.peer = await clickhouseIngest(uploads, clickhouse.url, `${peerDb}.events`);
  await clickhouseQuery(clickhouse.url, `DROP DATABASE ${peerDb}`);
  if (ingestOnly) {
    reportIngest(uploads.events, ingest);
  } else {
    await measureQueries(dataset, uploads.events, ingest);
  }
} finally {
  await clickhouse.stop();
}

async function measureQueries(
  dataset: Awaited<ReturnType<typeof ensureDataset>>,
  ingested: number,
  ingest: Record<string, IngestResult>,
): Promise<void> {
  const figures: Record<string, EngineFigures> = {};
  for (const engine of ['duckdb', 'clickhouse'] as const) {
    figures[engine] = await measureEngine(engine, dataset, clickhouse.url, runs);
  }
  report(dataset.count, ingested, ingest, figures);
  const others = boxBusy() - box0 - (cpuTree(process.pid) - own0);
  console.log(`\nother processes on the machine used ${others.toFixed(0)} CPU s during the run`);
  record(ingest, figures);
}

function report(
  count: number,
  ingested: number,
  ingest: Record<string, IngestResult>,
  figures: Record<string, EngineFigures>,
): void {
  const cpu = cpus();
  console.log(
    `\nbench/signals on ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}: ${count.toLocaleString('en-US')} events over 30 days; ` +
      `medians of ${runs} (after a warm-up)\n`,
  );
  reportIngest(ingested, ingest);
  const duck = figures.duckdb!;
  const ch = figures.clickhouse!;
  console.log(
    `\ncohort rollup of all 30 days: DuckDB ${duck.rollupSeconds.toFixed(1)} s, ClickHouse ${ch.rollupSeconds.toFixed(1)} s`,
  );
  console.log('\n| measure (median ms) | DuckDB | ClickHouse | DuckDB ÷ ClickHouse | target | DuckDB |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [name, d] of Object.entries(duck.medians)) {
    const c = ch.medians[name]!;
    const target = duck.targets[name] ?? 0;
    const verdict = target ? (d <= target ? 'ok' : 'OVER') : '';
    console.log(
      `| ${name} | ${d.toFixed(1)} | ${c.toFixed(1)} | ${(d / c).toFixed(2)} | ${target || '-'} | ${verdict} |`,
    );
  }
}

function reportIngest(ingested: number, ingest: Record<string, IngestResult>): void {
  const rate = (r: IngestResult) => `${Math.round(r.rate).toLocaleString('en-US')}/s`;
  const peer = ingest.peer!;
  console.log(
    `HTTP ingest of ${ingested.toLocaleString('en-US')} events (until stored), target 100,000/s into DuckDB`,
  );
  const line = (label: string, r: IngestResult | undefined, cpu: string) => {
    if (!r) return;
    console.log(
      `  ${label}${rate(r).padStart(10)}  (${r.cpuPerMillion.toFixed(1)} CPU s per million${cpu})  ÷ ClickHouse insert ${(r.rate / peer.rate).toFixed(2)}`,
    );
  };
  line('Outpost + DuckDB      ', ingest.duckdb, '');
  line('Outpost + ClickHouse  ', ingest.clickhouse, ' in Outpost');
  console.log(
    `  ClickHouse HTTP insert ${rate(peer).padStart(10)}  (the same events, JSONEachRow, no checks)`,
  );
}

function record(ingest: Record<string, IngestResult>, figures: Record<string, EngineFigures>): void {
  recordResult({
    bench: 'signals',
    figure: 'HTTP ingest into DuckDB, until stored',
    unit: 'events/s',
    outpost: ingest.duckdb!.rate,
    peer: ingest.peer!.rate,
    peerName: 'ClickHouse 18.16 HTTP insert of the same events (JSONEachRow)',
    better: 'higher',
    target: 100_000,
  });
  const duck = figures.duckdb!;
  const ch = figures.clickhouse!;
  const pages = Object.keys(duck.medians).filter((name) => name.startsWith('page ') && duck.targets[name]);
  const slowest = (f: EngineFigures) => Math.max(...pages.map((name) => f.medians[name]!));
  const rows: Array<[string, number, number, number | undefined]> = [
    ...Object.keys(duck.targets)
      .filter((name) => !name.startsWith('page '))
      .map((name): [string, number, number, number | undefined] => [
        name,
        duck.medians[name]!,
        ch.medians[name]!,
        duck.targets[name],
      ]),
    ['slowest dashboard page data load', slowest(duck), slowest(ch), 300],
  ];
  for (const [name, outpost, peer, target] of rows) {
    recordResult({
      bench: 'signals',
      figure: `${name}, 10M events (median)`,
      unit: 'ms',
      outpost,
      peer,
      peerName: 'Outpost on ClickHouse 18.16 (same queries, same data)',
      better: 'lower',
      target,
    });
  }
}
