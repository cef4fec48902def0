// Conversions between engine result rows and the store's records, shared by both engines: absent
// values come back as NULL (DuckDB) or '' (ClickHouse strings) and are dropped, 0/1 becomes a
// boolean, 64-bit numbers (bigint or a decimal string) become numbers, `extra` is parsed.

import type { CohortQuery, CohortRow, RollupMeasure } from './cohorts.js';
import { COLUMN_NAMES, COLUMNS, type ColumnKind, type ColumnName, type StoredEvent } from './columns.js';
import type { BatchRecord, BatchStatus, FailedEvent } from './types.js';

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  return 0;
}

export function rowToEvent(row: Record<string, unknown>): StoredEvent {
  const event: Record<string, unknown> = {};
  for (const name of COLUMN_NAMES) {
    const value = row[name];
    if (value === null || value === undefined || value === '') continue;
    const kind = COLUMNS[name as ColumnName];
    if (kind === 'bool') event[name] = toNumber(value) === 1;
    else if (kind === 'json') event[name] = JSON.parse(String(value));
    else if (kind === 'string' || kind === 'type') event[name] = String(value);
    else event[name] = toNumber(value);
  }
  return event as StoredEvent;
}

export const BATCH_COLUMNS = {
  batch_id: 'string',
  received_at: 'ms',
  processed_at: 'ms',
  expires_at: 'ms',
  customer_id: 'u32',
  subaccount_id: 'u32',
  status: 'string',
  retryable: 'bool',
  number_succeeded: 'u32',
  number_failed: 'u32',
  number_duplicates: 'u32',
  content_hash: 'string',
  first_error: 'string',
} as const satisfies Record<string, ColumnKind | 'ms'>;

export const FAILURE_COLUMNS = { batch_id: 'string', line: 'u32', reason: 'string', text: 'string' } as const;

export function rowToBatch(row: Record<string, unknown>): BatchRecord {
  return {
    batch_id: String(row.batch_id),
    received_at: toNumber(row.received_at),
    processed_at: toNumber(row.processed_at),
    expires_at: toNumber(row.expires_at),
    customer_id: toNumber(row.customer_id),
    subaccount_id: toNumber(row.subaccount_id),
    status: String(row.status) as BatchStatus,
    retryable: toNumber(row.retryable) === 1,
    number_succeeded: toNumber(row.number_succeeded),
    number_failed: toNumber(row.number_failed),
    number_duplicates: toNumber(row.number_duplicates),
    content_hash: String(row.content_hash),
    first_error: String(row.first_error ?? ''),
  };
}

export function rowToFailure(row: Record<string, unknown>): FailedEvent {
  return {
    batch_id: String(row.batch_id),
    line: toNumber(row.line),
    reason: String(row.reason),
    text: String(row.text),
  };
}

/** Records as NDJSON for the engines' bulk loaders; booleans as 0/1. */
export function recordsToNdjson(records: readonly object[]): string {
  let out = '';
  for (const record of records) {
    out += `${JSON.stringify(record, (_key, value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value))}\n`;
  }
  return out;
}

/** Rows of a cohort aggregate (columns k0, k1, … and one per measure) as CohortRows. */
export function toCohortRows(
  query: CohortQuery,
  measures: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
): CohortRow[] {
  return rows.map((row) => ({
    keys: query.groupBy.map((key, i) => {
      const value = row[`k${i}`];
      return key === 'day' || key === 'subaccount_id' ? toNumber(value) : String(value);
    }),
    values: Object.fromEntries(measures.map((m) => [m, toNumber(row[m])])) as Record<RollupMeasure, number>,
  }));
}
