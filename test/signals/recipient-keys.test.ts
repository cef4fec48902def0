// DuckDB's recipient lookup tables are built from the stored events when a store opens without
// them (a store written before they existed, like the bench's cached data set), and the searches
// then answer exactly as before.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { assertExact, generate } from './store-recipients.suite.js';

const root = mkdtempSync(join(tmpdir(), 'outpost-rcpt-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));
const path = join(root, 'events.duckdb');
const open = () => DuckDbStore.open({ path, tmpDir: join(root, 'tmp'), threads: 2 });

async function tables(): Promise<string[]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'recipient_keys%' ORDER BY 1",
  );
  const names = reader.getRows().map((row) => String(row[0]));
  for (const name of names) await connection.run(`DROP TABLE ${name}`);
  connection.closeSync();
  instance.closeSync();
  return names;
}

it('builds the lookup of a store opened without it from the stored events', async () => {
  const events = generate(3000);
  let store = await open();
  await store.ingest({ events, batches: [], failures: [] });
  await store.close();
  assert.deepEqual(await tables(), ['recipient_keys', 'recipient_keys_tail'], 'dropped here');
  store = await open();
  await assertExact(store, events, 'backfilled');
  const more = generate(200);
  await store.ingest({ events: more, batches: [], failures: [] });
  await assertExact(store, [...events, ...more], 'backfilled, then written');
  await store.close();
});
