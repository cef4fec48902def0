// Builds (once) and reuses the bench's stores: the events of generate.ts loaded through each store's
// own ingest path, 100k events per write, into DuckDB (DIR/events.duckdb) and into ClickHouse
// (database `bench` of the server whose data lives in DIR/clickhouse). A meta.json records what was
// generated and how many events each store holds; a directory whose meta differs is rebuilt.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseStore } from '../../src/signals/store/clickhouse/store.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import type { BatchRecord } from '../../src/signals/store/types.js';
import { type GenerateOptions, generate } from './generate.js';
import { clickhouseQuery } from './ingest.js';

export const CLICKHOUSE_DATABASE = 'bench';

export interface Dataset extends GenerateOptions {
  dir: string;
  /** Events stored (the same in both stores). */
  count: number;
  /** Seconds the load took (0 when reused). */
  loadSeconds: number;
}

/** Bumped whenever generate.ts changes what it produces, so an old data set is rebuilt. */
const GENERATOR = 3;

/** DIR/clickhouse must be the data directory of the running server at `clickhouseUrl`. */
export async function ensureDataset(
  dir: string,
  wanted: Omit<GenerateOptions, 'end'>,
  clickhouseUrl: string,
): Promise<Dataset> {
  const metaFile = join(dir, 'meta.json');
  const options = { ...wanted, generator: GENERATOR };
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Dataset & { generator?: number };
    const same = (Object.keys(options) as Array<keyof typeof options>).every((k) => meta[k] === options[k]);
    if (same && (await clickhouseCount(clickhouseUrl)) === meta.count)
      return { ...meta, dir, loadSeconds: 0 };
  }
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir))
    if (name !== 'clickhouse') rmSync(join(dir, name), { recursive: true, force: true });
  await clickhouseQuery(clickhouseUrl, `DROP DATABASE IF EXISTS ${CLICKHOUSE_DATABASE}`);
  return build(dir, wanted, clickhouseUrl);
}

async function clickhouseCount(url: string): Promise<number> {
  const exists = await clickhouseQuery(url, `EXISTS TABLE ${CLICKHOUSE_DATABASE}.events`);
  if (exists.trim() !== '1') return -1;
  return Number(await clickhouseQuery(url, `SELECT count() FROM ${CLICKHOUSE_DATABASE}.events`));
}

async function build(
  dir: string,
  wanted: Omit<GenerateOptions, 'end'>,
  clickhouseUrl: string,
): Promise<Dataset> {
  mkdirSync(dir, { recursive: true });
  // Whole UTC days ending at the last midnight, so day buckets are complete.
  const end = Math.floor(Date.now() / 86_400_000) * 86400;
  const full: GenerateOptions = { ...wanted, end };
  const store = await DuckDbStore.open({ path: join(dir, 'events.duckdb'), tmpDir: join(dir, 'load') });
  const clickhouse = await ClickHouseStore.open({ url: clickhouseUrl, database: CLICKHOUSE_DATABASE });
  const started = performance.now();
  let total = 0;
  let batches = 0;
  for (const day of generate(full)) {
    // Written 100k at a time (loading is not what is measured), with a batch record per 10k
    // events as if uploaded in 5 MB batches, so the integration page has a realistic list.
    for (let i = 0; i < day.length; i += 100_000) {
      const events = day.slice(i, i + 100_000);
      const write = { events, batches: batchRecords(events, () => ++batches), failures: [] };
      await Promise.all([store.ingest(write), retried(() => clickhouse.ingest(write))]);
    }
    total += day.length;
    process.stderr.write(`\rloaded ${total.toLocaleString('en-US')} events`);
  }
  await store.close();
  await clickhouse.close();
  process.stderr.write('\n');
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...full, count: total, generator: GENERATOR }));
  return { ...full, count: total, dir, loadSeconds: (performance.now() - started) / 1000 };
}

/**
 * ClickHouse 18.16 sometimes drops a kept-alive connection under a big insert (EPIPE); an insert
 * is one block, all or nothing, so it is sent again.
 */
async function retried(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt === 3) throw error;
      process.stderr.write(`\nClickHouse insert failed (${(error as Error).message}); sending it again\n`);
    }
  }
}

function batchRecords(events: StoredEvent[], next: () => number): BatchRecord[] {
  const records: BatchRecord[] = [];
  for (let i = 0; i < events.length; i += 10_000) {
    const n = next();
    const at = events[Math.min(i + 9_999, events.length - 1)]!.ts * 1000 + 30_000;
    records.push({
      batch_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      received_at: at,
      processed_at: at + 50,
      expires_at: at + 10 * 86_400_000,
      customer_id: 1,
      subaccount_id: 0,
      status: 'success',
      retryable: false,
      number_succeeded: Math.min(10_000, events.length - i),
      number_failed: 0,
      number_duplicates: 0,
      content_hash: `bench-${n}`,
      first_error: '',
    });
  }
  return records;
}
