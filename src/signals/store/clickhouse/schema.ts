// ClickHouse 18.16 schema. The events table is partitioned by UTC day (retention drops whole
// partitions; 18.16 has no TTL) and ordered by (type, campaign_id, ts), which the report queries
// filter and group on. Recipient and message-id searches go through narrow materialized views
// ordered by that key (40-60 ms scans become 3-8 ms, reference peers/storage/RESULTS.md); they
// carry the main table's sorting key so the full rows are then fetched by primary key.
import { EVENT_TYPES } from '../../event-types.js';
import { COLUMNS, type ColumnKind } from '../columns.js';
import { BATCH_COLUMNS, FAILURE_COLUMNS } from '../rows.js';
import { chIdent } from './dialect.js';

export const SEARCH_VIEWS = { rcpt_to: 'events_by_rcpt', message_id: 'events_by_message' } as const;
export const EVENT_KEY = ['type', 'campaign_id', 'ts', 'event_id'] as const;

function sqlType(name: string, kind: ColumnKind): string {
  if (name === 'ts') return "DateTime('UTC')";
  switch (kind) {
    case 'type':
      return `Enum8(${EVENT_TYPES.map((t) => `'${t.name}' = ${t.code}`).join(', ')})`;
    case 'string':
    case 'json':
      return 'String';
    case 'u16':
      return 'Nullable(UInt16)';
    case 'bool':
      return 'Nullable(UInt8)';
    default:
      return ['customer_id', 'subaccount_id'].includes(name) ? 'UInt32' : 'Nullable(UInt32)';
  }
}

function plainType(kind: ColumnKind | 'ms'): string {
  return kind === 'string' ? 'String' : kind === 'bool' ? 'UInt8' : kind === 'ms' ? 'UInt64' : 'UInt32';
}

export function schemaStatements(database: string): string[] {
  const db = chIdent(database);
  const eventColumns = Object.entries(COLUMNS)
    .map(([name, kind]) => `${name} ${sqlType(name, kind)}`)
    .join(', ');
  const plain = (columns: Record<string, ColumnKind | 'ms'>) =>
    Object.entries(columns)
      .map(([name, kind]) => `${name} ${plainType(kind)}`)
      .join(', ');
  const views = Object.entries(SEARCH_VIEWS).map(
    ([key, view]) =>
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${view} ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY (${key}, ts, event_id) AS SELECT ${key}, ${EVENT_KEY.join(', ')} FROM ${db}.events`,
  );
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE TABLE IF NOT EXISTS ${db}.events (${eventColumns}) ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY (type, campaign_id, ts)`,
    ...views,
    `CREATE TABLE IF NOT EXISTS ${db}.batches (${plain(BATCH_COLUMNS)}) ENGINE = MergeTree PARTITION BY intDiv(received_at, 86400000) ORDER BY (received_at, batch_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.batch_failures (${plain(FAILURE_COLUMNS)}) ENGINE = MergeTree ORDER BY (batch_id, line)`,
  ];
}
