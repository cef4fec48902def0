// SQL of the cohort rollup (cohorts.ts), shared by both engines through their Dialect plus the few
// things that differ here: the recipient key, the LEFT JOIN's spelling and how "no value" reads.
// Written without CTEs or window functions, which ClickHouse 18.16 lacks: one subquery gathers the
// day's sends per recipient and facet combination, one the history of exactly those recipients,
// and a LEFT JOIN classifies each send.
import {
  COHORT_DAYS,
  type CohortDaySpec,
  type CohortQuery,
  checkRollupCondition,
  type OutcomeMeasure,
  ROLLUP_FACETS,
  ROLLUP_MEASURES,
  rolePattern,
} from './cohorts.js';
import type { ColumnName } from './columns.js';
import { type Condition, timeRange } from './query.js';
import { type Dialect, numberLiteral, renderCondition } from './sql.js';

export interface CohortDialect extends Dialect {
  /** One value per recipient: the address, or the hash in privacy mode (NULL/0 when neither). */
  recipientKey: string;
  recipientPresent: string;
  /** A LEFT JOIN that keeps at most one right row per key (ClickHouse insists on ANY). */
  leftJoin: string;
}

const DAY = 86400;
const column = (name: ColumnName) => name;
const OUTCOMES = ROLLUP_MEASURES.filter((m): m is OutcomeMeasure => m !== 'suppressed' && m !== 'role');

/** The rollup rows of one day: facet columns, cohort, then every measure (names as in ROLLUP_MEASURES). */
export function renderCohortDay(d: CohortDialect, spec: CohortDaySpec, table: string): string {
  const day = numberLiteral(spec.day);
  const where = (c: Condition) => renderCondition(d, c, column);
  const injectionDay = `ifNull(injection_time, ${d.epoch('ts')})`;
  const ofTheDay = [
    where(timeRange(spec.day, spec.until)),
    `${injectionDay} >= ${day}`,
    `${injectionDay} < ${numberLiteral(spec.day + DAY)}`,
    d.recipientPresent,
  ].join(' AND ');
  const facets = ROLLUP_FACETS.map((f) =>
    f === 'subaccount_id' ? `${f} AS f_${f}` : `coalesce(${f}, '') AS f_${f}`,
  );
  const anyOutcome = where({ any: OUTCOMES.map((m) => spec.outcomes[m]) });
  const sends = [
    `SELECT ${d.recipientKey} AS k_r, subaccount_id AS k_s, ${facets.join(', ')},`,
    `${d.regexLower('rcpt_to', d.string(rolePattern(spec.roleLocalParts)))} AS is_role,`,
    OUTCOMES.map((m) => `${d.uniqIf(['message_id'], where(spec.outcomes[m]))} AS m_${m}`).join(', '),
    `FROM ${table} WHERE ${ofTheDay} AND ${anyOutcome}`,
    `GROUP BY k_r, k_s, ${ROLLUP_FACETS.map((f) => `f_${f}`).join(', ')}, is_role`,
    'HAVING m_injected > 0',
  ].join(' ');
  const recipients = `SELECT ${d.recipientKey} FROM ${table} WHERE ${ofTheDay} AND ${where(spec.outcomes.injected)}`;
  const history = [
    `SELECT ${d.recipientKey} AS k_r, subaccount_id AS k_s,`,
    `${maxTs(d, where(spec.engagement))} AS last_eng,`,
    `${minTs(d, where({ column: 'type', in: ['injection'] }))} AS first_send,`,
    `${d.countIf(where(spec.suppression))} AS suppressions`,
    `FROM ${table} WHERE ${where(timeRange(spec.day - spec.lookback, spec.day))}`,
    `AND ${d.recipientKey} IN (${recipients})`,
    `AND ${where({ any: [spec.engagement, spec.suppression, { column: 'type', in: ['injection'] }] })}`,
    'GROUP BY k_r, k_s',
  ].join(' ');
  const measures = [
    ...OUTCOMES.map((m) => `sum(m_${m}) AS ${m}`),
    `${d.sumIf('m_injected', 'coalesce(suppressions, 0) > 0')} AS suppressed`,
    `${d.sumIf('m_injected', 'is_role')} AS role`,
  ];
  return [
    `SELECT ${ROLLUP_FACETS.map((f) => `f_${f} AS ${f}`).join(', ')}, ${cohortCase(spec.day)} AS cohort,`,
    measures.join(', '),
    `FROM (${sends}) ${d.leftJoin} (${history}) USING (k_r, k_s)`,
    `GROUP BY ${ROLLUP_FACETS.map((f) => `f_${f}`).join(', ')}, cohort`,
  ].join(' ');
}

function maxTs(d: CohortDialect, condition: string): string {
  // Both engines read "no such event" as 0: DuckDB's NULL is coalesced, ClickHouse's maxIf gives 0.
  return `coalesce(max(CASE WHEN ${condition} THEN ${d.epoch('ts')} END), 0)`;
}

function minTs(d: CohortDialect, condition: string): string {
  return `coalesce(min(CASE WHEN ${condition} THEN ${d.epoch('ts')} END), 0)`;
}

/** §6.4: new = first send within 7 days and never engaged; then by the last engagement's age. */
function cohortCase(day: number): string {
  const before = (days: number) => numberLiteral(day - days * DAY);
  const lastEng = 'coalesce(last_eng, 0)';
  const first = 'coalesce(first_send, 0)';
  return [
    `CASE WHEN ${lastEng} = 0 AND (${first} = 0 OR ${first} >= ${before(COHORT_DAYS.fresh)}) THEN 'new'`,
    `WHEN ${lastEng} < ${before(COHORT_DAYS.year)} THEN 'uneng'`,
    `WHEN ${lastEng} < ${before(COHORT_DAYS.semi)} THEN '365d'`,
    `WHEN ${lastEng} < ${before(COHORT_DAYS.recent)} THEN '90d'`,
    "ELSE '14d' END",
  ].join(' ');
}

/** Sums of every measure over the rollup rows the query selects (and `current`), grouped as asked. */
export function renderCohortAggregate(
  d: Dialect,
  q: CohortQuery,
  source: string,
  current = '1=1',
): { sql: string; measures: readonly string[] } {
  checkRollupCondition(q.where);
  const where = `${current} AND ${renderCondition(d, q.where, (name) => (name === 'ts' ? 'day' : name))}`;
  const keys = q.groupBy.map((g, i) => `${g} AS k${i}`);
  const sums = ROLLUP_MEASURES.map((m) => `sum(${m}) AS ${m}`);
  let sql = `SELECT ${[...keys, ...sums].join(', ')} FROM ${source} WHERE ${where}`;
  if (keys.length) sql += ` GROUP BY ${keys.map((_, i) => `k${i}`).join(', ')}`;
  return { sql, measures: ROLLUP_MEASURES };
}
