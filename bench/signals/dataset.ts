// Builds (once) and reuses the bench's DuckDB store: the events of generate.ts loaded through the
// store's own ingest path, 100k events per write. A meta.json beside the database records what was
// generated; a directory whose meta differs is rebuilt.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
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
  for (const day of generate(full)) {
    for (let i = 0; i < day.length; i += 100_000) {
      await store.ingest({ events: day.slice(i, i + 100_000), batches: [], failures: [] });
    }
    total += day.length;
    process.stderr.write(`\rloaded ${total.toLocaleString('en-US')} events`);
  }
  await store.close();
  process.stderr.write('\n');
  writeFileSync(metaFile, JSON.stringify({ ...full, events: options.events }));
  return { ...full, dir, loadSeconds: (performance.now() - started) / 1000 };
}
