// ClickHouse 18.16's cohort rollup tables (store/cohorts.ts). 18.16 has no transactions and deletes
// are asynchronous mutations, so a day is replaced by version: the new rows go in under a new
// version (a partition of their own), then a state row makes that version current, then the old
// version's partition is dropped. Readers always take the current version, so they see either
// the old day or the new one.
import { type CohortDialect, renderCohortAggregate } from '../cohort-sql.js';
import { type CohortQuery, ROLLUP_FACETS, ROLLUP_MEASURES } from '../cohorts.js';
import { chDialect, chIdent } from './dialect.js';

export const chCohortDialect: CohortDialect = {
  ...chDialect,
  recipientKey: "sipHash64(if(rcpt_to != '', rcpt_to, rcpt_hash))",
  recipientPresent: "(rcpt_to != '' OR rcpt_hash != '')",
  leftJoin: 'ANY LEFT JOIN',
};

export const COHORT_ROW_COLUMNS = [...ROLLUP_FACETS, 'cohort', ...ROLLUP_MEASURES];

export function cohortSchemaStatements(database: string): string[] {
  const db = chIdent(database);
  const columns = [
    'day UInt32',
    'version UInt64',
    ...ROLLUP_FACETS.map((f) => `${f} ${f === 'subaccount_id' ? 'UInt32' : 'String'}`),
    'cohort String',
    ...ROLLUP_MEASURES.map((m) => `${m} UInt64`),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.cohort_days (${columns.join(', ')}) ENGINE = MergeTree PARTITION BY (day, version) ORDER BY (day, campaign_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.cohort_state (day UInt32, version UInt64, until UInt32, final UInt8) ENGINE = MergeTree ORDER BY (day, version)`,
  ];
}

/** The current version of every day (the newest state row). */
export function currentVersions(db: string): string {
  return `SELECT day, max(version) FROM ${db}.cohort_state GROUP BY day`;
}

export function chCohortAggregate(db: string, q: CohortQuery): { sql: string; measures: readonly string[] } {
  return renderCohortAggregate(
    chDialect,
    q,
    `${db}.cohort_days`,
    `(day, version) IN (${currentVersions(db)})`,
  );
}
