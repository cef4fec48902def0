// DuckDB's table of precomputed spam-trap hits (store/trap-days.ts): one row per day and facet
// combination that sent to a listed trap, with a count per trap kind. The facet columns keep the
// events' NULLs, so a report's filter selects the same sends here as over the events. The list the
// counts belong to is named in store_meta.
import { type CohortQuery, checkRollupCondition, ROLLUP_FACETS } from '../cohorts.js';
import type { AggregateRow } from '../query.js';
import { toNumber } from '../rows.js';
import { numberLiteral, renderCondition } from '../sql.js';
import { TRAP_KINDS } from '../trap-days.js';
import { duckDialect, duckString } from './dialect.js';

export const TRAP_LIST_KEY = 'trap_list';

export function trapDaysSchema(): string {
  const facets = ROLLUP_FACETS.map((f) => `${f} ${f === 'subaccount_id' ? 'UINTEGER' : 'VARCHAR'}`);
  const kinds = TRAP_KINDS.map((k) => `${k} UINTEGER NOT NULL`);
  return `CREATE TABLE IF NOT EXISTS trap_days (day UINTEGER NOT NULL, ${[...facets, ...kinds].join(', ')})`;
}

/** The rows of `trapDaysQuery` (keys: the facets, then the day) as INSERTs of at most 1,000 rows. */
export function insertTrapDays(rows: readonly AggregateRow[]): string[] {
  const values = rows.map((row) => {
    const facets = ROLLUP_FACETS.map((f, i) => {
      const value = row.keys[i];
      if (value === null || value === undefined) return 'NULL';
      return f === 'subaccount_id' ? numberLiteral(Number(value)) : duckString(String(value));
    });
    const day = numberLiteral(Number(row.keys[ROLLUP_FACETS.length]));
    return `(${[day, ...facets, ...TRAP_KINDS.map((k) => numberLiteral(row.values[k] ?? 0))].join(', ')})`;
  });
  const statements: string[] = [];
  for (let i = 0; i < values.length; i += 1000) {
    statements.push(
      `INSERT INTO trap_days (day, ${[...ROLLUP_FACETS, ...TRAP_KINDS].join(', ')}) VALUES ${values.slice(i, i + 1000).join(', ')}`,
    );
  }
  return statements;
}

export function trapAggregateSql(q: CohortQuery): string {
  checkRollupCondition(q.where);
  if (q.groupBy.includes('cohort')) throw new Error('trap hits are not split by cohort');
  const where = renderCondition(duckDialect, q.where, (name) => (name === 'ts' ? 'day' : name));
  const keys = q.groupBy.map((g, i) => `${g} AS k${i}`);
  const sums = TRAP_KINDS.map((k) => `sum(${k}) AS ${k}`);
  let sql = `SELECT ${[...keys, ...sums].join(', ')} FROM trap_days WHERE ${where}`;
  if (keys.length) sql += ` GROUP BY ${keys.map((_, i) => `k${i}`).join(', ')}`;
  return sql;
}

export function toTrapRows(q: CohortQuery, rows: ReadonlyArray<Record<string, unknown>>): AggregateRow[] {
  return rows.map((row) => ({
    keys: q.groupBy.map((key, i) => {
      const value = row[`k${i}`];
      if (value === null || value === undefined) return null;
      return key === 'day' || key === 'subaccount_id' ? toNumber(value) : String(value);
    }),
    values: Object.fromEntries(TRAP_KINDS.map((k) => [k, toNumber(row[k])])),
  }));
}
