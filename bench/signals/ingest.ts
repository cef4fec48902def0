// HTTP ingest rate: the upload bodies (uploads.ts) POSTed to /api/v1/ingest/events of a Signals
// server in its own process (server.ts), four uploads in flight as a connector with a backlog sends
// them, timed until every batch is stored (its record shows in GET /api/v1/events/ingest), which is
// when its events can be searched. The peer: the same events, as stored rows in bodies of the same
// count, POSTed to ClickHouse's own HTTP interface (INSERT … FORMAT JSONEachRow, gzip), four in flight.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY } from './key.js';
import type { Uploads } from './uploads.js';

const IN_FLIGHT = 4;
const SERVER = new URL('./server.ts', import.meta.url).pathname;

export interface IngestResult {
  /** Events per second until the last batch was stored. */
  rate: number;
  seconds: number;
  /** Server process CPU seconds per million events (user + system). */
  cpuPerMillion: number;
}

async function startServer(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_FLAGS?.split(' ') ?? []), '--import', 'tsx', SERVER, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, url };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** POSTs every body, IN_FLIGHT at a time, retrying on 429 (backlog full) as a connector does. */
async function postAll(bodies: Buffer[], url: string, headers: Record<string, string>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const response = await fetch(url, { method: 'POST', headers, body });
        const text = await response.text();
        if (response.ok) break;
        if (response.status !== 429)
          throw new Error(`upload failed: ${response.status} ${text.slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function storedBatches(url: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/events/ingest?per_page=1`, {
    headers: { authorization: BENCH_KEY },
  });
  if (!response.ok) throw new Error(`batch status: ${response.status}`);
  return ((await response.json()) as { total_count: number }).total_count;
}

/** Uploads into a fresh Outpost store (DuckDB in a temporary directory, or a new ClickHouse database). */
export async function outpostIngest(
  uploads: Uploads,
  engine: 'duckdb' | 'clickhouse',
  clickhouseUrl: string,
): Promise<IngestResult> {
  const dir = mkdtempSync(join(tmpdir(), `outpost-bench-ingest-${engine}-`));
  const database = `bench_ingest_${process.pid}`;
  const args = [engine, dir, String(uploads.end * 1000)];
  if (engine === 'clickhouse') args.push(clickhouseUrl, database);
  const { child, url } = await startServer(args);
  try {
    const cpu0 = cpuSeconds(child.pid!);
    const started = performance.now();
    await postAll(uploads.bodies, `${url}/api/v1/ingest/events`, {
      authorization: BENCH_KEY,
      'content-encoding': 'gzip',
      'content-type': 'application/x-ndjson',
    });
    while ((await storedBatches(url)) < uploads.bodies.length) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(child.pid!) - cpu0;
    return { rate: uploads.events / seconds, seconds, cpuPerMillion: (cpu * 1e6) / uploads.events };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    if (engine === 'clickhouse') await clickhouseQuery(clickhouseUrl, `DROP DATABASE IF EXISTS ${database}`);
  }
}

export async function clickhouseQuery(url: string, sql: string, body?: Buffer): Promise<string> {
  const response = await fetch(`${url}/?query=${encodeURIComponent(sql)}`, {
    method: 'POST',
    headers: body ? { 'content-encoding': 'gzip' } : {},
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse: ${response.status} ${text.slice(0, 300)}`);
  return text;
}

/** ClickHouse's own HTTP insert of the same events into a table of Outpost's schema (`table`, empty). */
export async function clickhouseIngest(uploads: Uploads, url: string, table: string): Promise<IngestResult> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < uploads.rows.length) {
      await clickhouseQuery(url, `INSERT INTO ${table} FORMAT JSONEachRow`, uploads.rows[next++]!);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { rate: uploads.events / seconds, seconds, cpuPerMillion: Number.NaN };
}
