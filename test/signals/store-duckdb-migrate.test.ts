// A DuckDB store written before the packed columns (schema 1: every column its own, packed.ts)
// opens with its events moved into schema 2, and gives them back exactly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { EVENT_TYPE_NAMES } from '../../src/signals/event-types.js';
import { COLUMN_NAMES, COLUMNS, type StoredEvent } from '../../src/signals/store/columns.js';
import { duckString } from '../../src/signals/store/duckdb/dialect.js';
import { SQL_TYPES } from '../../src/signals/store/duckdb/schema.js';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { TRUE } from '../../src/signals/store/query.js';
import { NASTY_VALUES, storedEvent } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'outpost-duck-migrate-'));
after(() => rmSync(root, { recursive: true, force: true }));
const path = join(root, 'events.duckdb');

function literal(value: unknown): string {
  if (value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  return duckString(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Writes `events` as a schema-1 store did: one column each, booleans as 0 and 1. */
async function writeSchemaOne(events: readonly StoredEvent[]): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  const columns = COLUMN_NAMES.map((name) => `${name} ${SQL_TYPES[COLUMNS[name]]}`).join(', ');
  await connection.run(`CREATE TYPE event_type AS ENUM (${EVENT_TYPE_NAMES.map(duckString).join(', ')})`);
  await connection.run(`CREATE TABLE events (${columns}, rcpt_key UBIGINT, msg_key UBIGINT)`);
  await connection.run('CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)');
  await connection.run("INSERT INTO store_meta VALUES ('schema_version', '1')");
  for (const event of events) {
    const values = COLUMN_NAMES.map((name) => literal((event as Record<string, unknown>)[name]));
    await connection.run(
      `INSERT INTO events VALUES (${values.join(', ')}, hash(${literal(event.rcpt_to)}), hash(${literal(event.message_id)}))`,
    );
  }
  connection.closeSync();
  instance.closeSync();
}

it('moves a schema-1 store to packed columns and gives every event back exactly', async () => {
  const full = storedEvent({
    type: 'click',
    error_code: NASTY_VALUES[1],
    user_agent: 'Mozilla/5.0',
    click_tracking: true,
    initial_pixel: false,
    target_link_url: 'https://example.com/a?b=c',
    extra: { geo_ip: { country: 'US' }, rcpt_tags: ['a', NASTY_VALUES[4]!] },
  });
  // No packed column and no extra: its extra stays empty.
  const bare = storedEvent({ ts: full.ts - 10 });
  for (const key of [
    'raw_rcpt_to',
    'routing_domain',
    'msg_from',
    'binding',
    'binding_group',
    'delv_method',
  ] as const)
    delete bare[key];
  delete bare.click_tracking;
  await writeSchemaOne([bare, full]);
  for (const round of ['migrated', 'reopened']) {
    const store = await DuckDbStore.open({ path, tmpDir: join(root, 'tmp'), threads: 2 });
    assert.deepEqual(await store.search({ where: TRUE, limit: 10 }), [full, bare], round);
    assert.deepEqual(await store.eventsByMessageIds([full.message_id!]), [full], round);
    await store.close();
  }
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(
    "SELECT (SELECT value FROM store_meta WHERE key = 'schema_version'), (SELECT count(*) FROM duckdb_columns() WHERE table_name = 'events')",
  );
  assert.deepEqual(reader.getRows()[0], ['2', 34n]);
  connection.closeSync();
  instance.closeSync();
});
