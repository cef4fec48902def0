// Builds (once) and reuses the bench's DuckDB store: the events of generate.ts loaded through the
// store's own ingest path, 100k events per write. A meta.json beside the database records what was
// generated; a directory whose meta differs is rebuilt.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import type { BatchRecord } from '../../src/signals/store/types.js';
import { type GenerateOptions, generate } from './generate.js';

export interface Dataset extends GenerateOptions {
  dir: string;
  /** Seconds the load took (0 when reused). */
  loadSeconds: number;
}

export async function ensureDataset(dir: string, options: Omit<GenerateOptions, 'end'>): Promise<Dataset> {
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as GenerateOptions;
    const same = (Object.keys(options) as Array<keyof typeof options>).every((k) => meta[k] === options[k]);
    if (same) return { ...meta, dir, loadSeconds: 0 };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Whole UTC days ending at the last midnight, so day buckets are complete.
  const end = Math.floor(Date.now() / 86_400_000) * 86400;
  const full: GenerateOptions = { ...options, end };
  const store = await DuckDbStore.open({ path: join(dir, 'events.duckdb'), tmpDir: join(dir, 'load') });
  const started = performance.now();
  let total = 0;
  let batches = 0;
  for (const day of generate(full)) {
    // Written 100k at a time (loading is not what is measured), with a batch record per 10k
    // events as if uploaded in 5 MB batches, so the integration page has a realistic list.
    for (let i = 0; i < day.length; i += 100_000) {
      const events = day.slice(i, i + 100_000);
      await store.ingest({ events, batches: batchRecords(events, () => ++batches), failures: [] });
    }
    total += day.length;
    process.stderr.write(`\rloaded ${total.toLocaleString('en-US')} events`);
  }
  await store.close();
  process.stderr.write('\n');
  writeFileSync(metaFile, JSON.stringify({ ...full, events: options.events }));
  return { ...full, dir, loadSeconds: (performance.now() - started) / 1000 };
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
