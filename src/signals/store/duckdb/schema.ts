// DuckDB schema: one wide events table appended in arrival order (zone maps on `ts` prune time
// ranges because arrival order is nearly time order), no PRIMARY KEY or index (an ART index kept up
// to date halves bulk-load speed: 42k vs 91k events/s measured), plus 64-bit hash columns for the
// two point-lookup keys. The columns no query reads travel inside `extra` (packed.ts). Batch
// records and failed lines live beside it.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../../../logging.js';
import { EVENT_TYPE_NAMES } from '../../event-types.js';
import { COLUMNS, type ColumnKind } from '../columns.js';
import { BATCH_COLUMNS, FAILURE_COLUMNS } from '../rows.js';
import { PACKED_COLUMNS, packedExtraSql, STORED_COLUMNS } from './packed.js';
import { countOf } from './side-tables.js';
import { inTransaction } from './transaction.js';

/** 1: every column its own; 2: the packed columns inside `extra`. */
export const SCHEMA_VERSION = 2;

export const SQL_TYPES: Record<ColumnKind | 'ms', string> = {
  ms: 'UBIGINT',
  time: 'UINTEGER',
  type: 'event_type',
  string: 'VARCHAR',
  u16: 'USMALLINT',
  u32: 'UINTEGER',
  bool: 'UTINYINT',
  json: 'VARCHAR',
};

/** The type read_ndjson parses a column as (the enum is cast on insert). */
export function loaderType(kind: ColumnKind | 'ms'): string {
  return kind === 'type' ? 'VARCHAR' : SQL_TYPES[kind];
}

function columnsSql(columns: Record<string, ColumnKind | 'ms'>, required: string[] = []): string {
  return Object.entries(columns)
    .map(([name, kind]) => `${name} ${SQL_TYPES[kind]}${required.includes(name) ? ' NOT NULL' : ''}`)
    .join(', ');
}

function eventsTableSql(table: string): string {
  const columns = Object.fromEntries(STORED_COLUMNS.map((name) => [name, COLUMNS[name]]));
  const required = ['ts', 'type', 'event_id', 'customer_id', 'subaccount_id'];
  return `CREATE TABLE IF NOT EXISTS ${table} (${columnsSql(columns, required)}, rcpt_key UBIGINT, msg_key UBIGINT)`;
}

export function schemaStatements(): string[] {
  const types = EVENT_TYPE_NAMES.map((t) => `'${t}'`).join(', ');
  return [
    `CREATE TYPE IF NOT EXISTS event_type AS ENUM (${types})`,
    eventsTableSql('events'),
    `CREATE TABLE IF NOT EXISTS batches (${columnsSql(BATCH_COLUMNS, ['batch_id'])})`,
    `CREATE TABLE IF NOT EXISTS batch_failures (${columnsSql(FAILURE_COLUMNS)})`,
    'CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
    `INSERT OR IGNORE INTO store_meta VALUES ('schema_version', '${SCHEMA_VERSION}')`,
  ];
}

/**
 * Brings a store written with every column its own (schema 1) to schema 2: its events are copied,
 * in the same order, into a table with the packed columns inside `extra`, which then replaces it.
 * The tables kept beside `events` hold only keys and times, and stay as they are.
 */
export async function migrateSchema(writer: DuckDBConnection, log?: Logger): Promise<void> {
  const packed = await countOf(
    writer,
    `SELECT count(*) FROM duckdb_columns() WHERE table_name = 'events' AND column_name = '${PACKED_COLUMNS[0]}'`,
  );
  if (!packed) return;
  const started = Date.now();
  log?.info('event store: moving events to schema 2 (packed columns), once; about 25 s per 10M events');
  const kept = STORED_COLUMNS.map((name) => (name === 'extra' ? `${packedExtraSql()} AS extra` : name));
  await inTransaction(writer, async () => {
    await writer.run(eventsTableSql('events_packed'));
    await writer.run(`INSERT INTO events_packed SELECT ${kept.join(', ')}, rcpt_key, msg_key FROM events`);
    await writer.run('DROP TABLE events');
    await writer.run('ALTER TABLE events_packed RENAME TO events');
    await writer.run(`UPDATE store_meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version'`);
  });
  log?.info({ ms: Date.now() - started }, 'event store: schema 2');
}
