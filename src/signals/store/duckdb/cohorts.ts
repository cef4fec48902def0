// DuckDB's cohort rollup tables (store/cohorts.ts): one row per day, facet combination and cohort,
// and a state row per computed day. A day is replaced in one transaction, so readers see the old
// rows or the new ones, never a mix; the heavy SELECT runs on a reader connection before that, so
// ingest waits only for the small write.
import { type CohortDialect, renderCohortAggregate } from '../cohort-sql.js';
import { type CohortQuery, ROLLUP_FACETS, ROLLUP_MEASURES } from '../cohorts.js';
import type { ColumnKind } from '../columns.js';
import { duckDialect } from './dialect.js';

export const duckCohortDialect: CohortDialect = {
  ...duckDialect,
  recipientKey: 'coalesce(rcpt_key, hash(rcpt_hash))',
  recipientPresent: '(rcpt_key IS NOT NULL OR rcpt_hash IS NOT NULL)',
  leftJoin: 'LEFT JOIN',
};

/** Columns of cohort_days in load order (the loader reads rows by these names). */
export const COHORT_COLUMNS: Record<string, ColumnKind> = {
  day: 'u32',
  ...Object.fromEntries(ROLLUP_FACETS.map((f) => [f, f === 'subaccount_id' ? 'u32' : 'string'])),
  cohort: 'string',
  ...Object.fromEntries(ROLLUP_MEASURES.map((m) => [m, 'u32'])),
};

export function cohortSchemaStatements(): string[] {
  const columns = Object.entries(COHORT_COLUMNS)
    .map(([name, kind]) => `${name} ${kind === 'string' ? 'VARCHAR' : 'UINTEGER'} NOT NULL`)
    .join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS cohort_days (${columns})`,
    'CREATE TABLE IF NOT EXISTS cohort_state (day UINTEGER PRIMARY KEY, until UINTEGER NOT NULL, final BOOLEAN NOT NULL)',
  ];
}

export function duckCohortAggregate(q: CohortQuery): { sql: string; measures: readonly string[] } {
  return renderCohortAggregate(duckDialect, q, 'cohort_days');
}
