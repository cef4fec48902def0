// Acknowledged batches survive a crash: the server is killed with SIGKILL while batches are
// journaled but not yet stored, restarted on the same data, and every acknowledged event is then
// stored exactly once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startClickHouse } from '../helpers/clickhouse.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';
import { gzipLines, ingestLine } from './fixtures.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const KEY = 'durability-key-0000000001';
const iso = (s: number) => new Date(s * 1000).toISOString();

function config(dir: string, storage: string): string {
  const file = join(dir, 'outpost.config');
  writeFiles(dir, {
    'outpost.config': `<outpost>\n    data-dir data\n</outpost>\n<signals-server>\n    listen 127.0.0.1:0\n${storage}    api-key ${KEY} all\n</signals-server>\n`,
  });
  return file;
}

async function startCli(file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'signals', '--config', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, url };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function uploadMany(url: string, batches: number, perBatch: number): Promise<string[]> {
  const ts = String(Math.floor(Date.now() / 1000) - 60);
  const bodies = Array.from({ length: batches }, () =>
    gzipLines(Array.from({ length: perBatch }, () => ingestLine({ timestamp: ts }))),
  );
  const responses = await Promise.all(
    bodies.map((body) =>
      fetch(`${url}/api/v1/ingest/events`, {
        method: 'POST',
        headers: { authorization: KEY, 'content-encoding': 'gzip' },
        body,
      }),
    ),
  );
  const ids: string[] = [];
  for (const response of responses) {
    assert.equal(response.status, 200);
    ids.push(((await response.json()) as { results: { id: string } }).results.id);
  }
  return ids;
}

/** Waits until every acknowledged batch has a status, then returns the number of stored events. */
async function storedAfterRecovery(url: string, ids: string[]): Promise<number> {
  const window = `from=${iso(Date.now() / 1000 - 3600)}&to=${iso(Date.now() / 1000 + 3600)}`;
  for (let i = 0; i < 300; i++) {
    const response = await fetch(`${url}/api/v1/events/ingest?${window}`, {
      headers: { authorization: KEY },
    });
    const seen = new Set(
      ((await response.json()) as { results: Array<{ batch_id: string }> }).results.map((r) => r.batch_id),
    );
    if (ids.every((id) => seen.has(id))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const events = await fetch(`${url}/api/v1/events/message?${window}&per_page=1`, {
    headers: { authorization: KEY },
  });
  return ((await events.json()) as { total_count: number }).total_count;
}

it('DuckDB: batches acknowledged just before SIGKILL are stored exactly once after restart', async (t) => {
  const dir = tempDir(t);
  const file = config(dir, '    storage duckdb\n');
  const first = await startCli(file);
  t.after(() => first.child.kill('SIGKILL'));
  const ids = await uploadMany(first.url, 30, 400);
  await kill9(first.child);
  const second = await startCli(file);
  t.after(() => second.child.kill('SIGKILL'));
  assert.equal(await storedAfterRecovery(second.url, ids), 30 * 400);
});

it('ClickHouse down: uploads are acknowledged from the journal and stored once it is back', async (t) => {
  const chDir = tempDir(t, 'outpost-ch-durable-');
  const clickhouse = await startClickHouse({ dataDir: chDir });
  const dir = tempDir(t);
  const file = config(
    dir,
    `    storage clickhouse\n    clickhouse-url ${clickhouse.url}\n    clickhouse-database durable\n`,
  );
  const first = await startCli(file);
  t.after(() => first.child.kill('SIGKILL'));
  await clickhouse.stop();
  const ids = await uploadMany(first.url, 5, 200);
  const journal = readdirSync(join(dir, 'data/signals/journal')).filter((n) => n.endsWith('.batch'));
  assert.equal(journal.length, 5, 'all five batches wait in the journal while the store is down');
  await kill9(first.child);
  const again = await startClickHouse({ dataDir: chDir, ports: clickhouse.ports });
  t.after(() => again.stop());
  const second = await startCli(file);
  t.after(() => second.child.kill('SIGKILL'));
  assert.equal(await storedAfterRecovery(second.url, ids), 5 * 200);
  assert.deepEqual(
    readdirSync(join(dir, 'data/signals/journal')).filter((n) => n.endsWith('.batch')),
    [],
  );
});
