// How an aggregate query becomes SQL, the same way on both engines. Conditional aggregates
// (`count(*) FILTER (WHERE …)` ×17 for a summary report) cost DuckDB a pass per condition: 128 ms
// on 300k events, against 32 ms for one GROUP BY on the columns the conditions test (measured). So:
// - counts and sums: group by the keys plus those few low-cardinality columns first, then apply
//   each condition to the few hundred pre-aggregated rows;
// - distinct counts: straight, in one query of their own;
// Parts are merged by key in JS; ordering and limit are applied after the merge.
// Counts and sums come from the hourly rollup (rollup.ts) when the engine has one and it answers
// the query exactly; its rows carry a count `n` and sums `s_<column>` instead of single events.
import { COLUMNS, type ColumnName } from './columns.js';
import type { AggregateQuery, AggregateRow, Condition, Measure } from './query.js';
import {
  ENGAGEMENT_TABLE,
  engagementAnswers,
  onEngagementTable,
  ROLLUP_TABLE,
  rollupAnswers,
} from './rollup.js';
import { toNumber } from './rows.js';
import { type Dialect, renderCondition, renderGroupKey, SqlError } from './sql.js';

export interface AggregatePart {
  sql: string;
  /** Result columns m0…mN carry these measures; k0…kN are the group keys. */
  measures: string[];
}

type Column = (name: ColumnName) => string;

/** Where counts and sums are read: the events, or the rollup's pre-counted rows. */
interface Source {
  table: string;
  /** The event count of a group, and of its rows matching a condition. */
  count: string;
  countIf(condition: string | undefined): string;
  /** What to sum for a column's sum. */
  summed(column: ColumnName): string;
}

/** Columns a pre-aggregation may group by: they have few distinct values. */
function lowCardinality(name: ColumnName): boolean {
  const kind = COLUMNS[name];
  return kind === 'type' || kind === 'bool' || kind === 'u16' || name === 'subaccount_id';
}

function columnsOf(c: Condition | undefined, out = new Set<ColumnName>()): Set<ColumnName> {
  if (!c) return out;
  if ('all' in c) for (const x of c.all) columnsOf(x, out);
  else if ('any' in c) for (const x of c.any) columnsOf(x, out);
  else if ('not' in c) columnsOf(c.not, out);
  else out.add(c.column);
  return out;
}

function keysSql(d: Dialect, q: AggregateQuery, column: Column): string[] {
  return q.groupBy.map((k, i) => `${renderGroupKey(d, k, column)} AS k${i}`);
}

const groupBy = (names: string[]) => (names.length ? ` GROUP BY ${names.join(', ')}` : '');

/** Counts and sums through a pre-aggregation on the keys and the columns their conditions test. */
function simplePart(
  d: Dialect,
  q: AggregateQuery,
  names: string[],
  source: Source,
  column: Column,
): AggregatePart {
  const table = source.table;
  const keys = keysSql(d, q, column);
  const keyNames = keys.map((_, i) => `k${i}`);
  const where = renderCondition(d, q.where, column);
  const measures = names.map((n) => q.measures[n]!) as Array<Exclude<Measure, { uniq: ColumnName[] }>>;
  const tested = new Set<ColumnName>();
  for (const m of measures) columnsOf(m.where, tested);
  if (![...tested].every(lowCardinality)) {
    const direct = measures.map((m, i) => {
      const cond = m.where ? renderCondition(d, m.where, column) : undefined;
      return `${'sum' in m ? d.sumIf(source.summed(m.sum), cond) : source.countIf(cond)} AS m${i}`;
    });
    return {
      sql: `SELECT ${[...keys, ...direct].join(', ')} FROM ${table} WHERE ${where}${groupBy(keyNames)}`,
      measures: names,
    };
  }
  const summed = [...new Set(measures.flatMap((m) => ('sum' in m ? [m.sum] : [])))];
  const inner = [
    ...keys,
    ...[...tested].map((c) => `${column(c)} AS ${c}`),
    `${source.count} AS n__`,
    ...summed.map((c) => `sum(${source.summed(c)}) AS s__${c}`),
  ];
  const outer = measures.map((m, i) => {
    const cond = m.where ? renderCondition(d, m.where, (c) => c) : undefined;
    return `${d.sumIf('sum' in m ? `s__${m.sum}` : 'n__', cond)} AS m${i}`;
  });
  const sql = `SELECT ${[...keyNames, ...outer].join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${table} WHERE ${where}${groupBy([...keyNames, ...tested])}) AS pre${groupBy(keyNames)}`;
  return { sql, measures: names };
}

/**
 * Distinct counts, straight: `count(DISTINCT …) FILTER (…)` per measure in one query. A
 * pre-aggregation by keys and distinct columns (one row per recipient or message) measured twice as
 * slow on DuckDB (bench/signals, 10M events: 623 against 317 ms for three unique-open counts).
 */
function distinctPart(
  d: Dialect,
  q: AggregateQuery,
  names: string[],
  table: string,
  column: Column,
  counted: Column = column,
): AggregatePart {
  const keys = keysSql(d, q, column);
  const keyNames = keys.map((_, i) => `k${i}`);
  const measures = names.map((n) => q.measures[n] as Extract<Measure, { uniq: ColumnName[] }>);
  const counts = measures.map((m, i) => {
    const cond = m.where ? renderCondition(d, m.where, column) : undefined;
    return `${d.uniqIf(m.uniq.map(counted), cond)} AS m${i}`;
  });
  const sql = `SELECT ${[...keys, ...counts].join(', ')} FROM ${table} WHERE ${renderCondition(d, q.where, column)}${groupBy(keyNames)}`;
  return { sql, measures: names };
}

/** The tables an engine keeps beside the events (rollup.ts); none when it keeps neither. */
export interface Rollups {
  hourly: boolean;
  /** The engagement table, while its message keys are known to be collision-free. */
  engagement: boolean;
}

export function planAggregate(
  d: Dialect,
  q: AggregateQuery,
  table: string,
  column: Column,
  rollups: Rollups = { hourly: false, engagement: false },
): AggregatePart[] {
  const simple: string[] = [];
  const distinct: string[] = [];
  for (const [name, m] of Object.entries(q.measures)) ('uniq' in m ? distinct : simple).push(name);
  const counts = simple.map((n) => q.measures[n]!);
  const source: Source =
    rollups.hourly && rollupAnswers(q, counts)
      ? { table: ROLLUP_TABLE, count: 'sum(n)', countIf: (w) => d.sumIf('n', w), summed: (c) => `s_${c}` }
      : { table, count: 'count(*)', countIf: (w) => d.countIf(w), summed: column };
  const engagement =
    rollups.engagement &&
    engagementAnswers(
      q,
      distinct.map((n) => q.measures[n]!),
    );
  // Each part groups all the rows the query selects, so each gives every group (a campaign with
  // no opens still shows 0); without counts or sums the distinct part alone is the query, unless
  // it reads only the engagement events: then a count part supplies the groups.
  const parts: AggregatePart[] = [];
  if (simple.length || !distinct.length || engagement) {
    parts.push(
      simple.length
        ? simplePart(d, q, simple, source, column)
        : simplePart(d, { ...q, measures: { n__: { count: true } } }, ['n__'], source, column),
    );
  }
  if (distinct.length) {
    // The engagement table counts messages by their 64-bit key (rollup.ts).
    const keyed = (c: ColumnName) => (c === 'message_id' ? 'msg_key' : column(c));
    parts.push(
      engagement
        ? distinctPart(d, onEngagementTable(q), distinct, ENGAGEMENT_TABLE, column, keyed)
        : distinctPart(d, q, distinct, table, column),
    );
  }
  return parts;
}

type Row = Record<string, unknown>;
type Key = string | number | null;

function compareKeys(a: Key[], b: Key[]): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] ?? null, b[i] ?? null];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Runs the parts and merges them by group key; then orders and limits. */
export async function runAggregate(
  parts: AggregatePart[],
  q: AggregateQuery,
  read: (sql: string) => Promise<Row[]>,
): Promise<AggregateRow[]> {
  // Engines differ in how they return keys: 64-bit numbers as bigint or text, an absent string as
  // NULL (DuckDB) or '' (ClickHouse). Keys come back as numbers, strings, or null for absent.
  const keyOf = (row: Row, i: number): Key => {
    const value = row[`k${i}`];
    const key = q.groupBy[i]!;
    if (value === null || value === undefined || value === '') return null;
    const kind = 'bucket' in key ? 'time' : COLUMNS[key.column];
    return kind === 'string' || kind === 'type' ? String(value) : toNumber(value);
  };
  const number = toNumber;
  const results = await Promise.all(parts.map((p) => read(p.sql)));
  const merged = new Map<string, AggregateRow>();
  const names = Object.keys(q.measures);
  results.forEach((rows, p) => {
    for (const row of rows) {
      const keys = q.groupBy.map((_, i) => keyOf(row, i));
      const id = JSON.stringify(keys);
      let target = merged.get(id);
      if (!target) {
        if (p > 0) continue; // groups come from the base part
        target = { keys, values: Object.fromEntries(names.map((n) => [n, 0])) };
        merged.set(id, target);
      }
      parts[p]!.measures.forEach((name, i) => {
        if (name in q.measures) target!.values[name] = number(row[`m${i}`]);
      });
    }
  });
  let out = [...merged.values()];
  if (q.orderBy) {
    const group = /^group:(\d+)$/.exec(q.orderBy.key);
    const index = group ? Number(group[1]) : -1;
    if ((group && index >= q.groupBy.length) || (!group && !(q.orderBy.key in q.measures))) {
      throw new SqlError(`cannot order by ${q.orderBy.key}`);
    }
    const sign = q.orderBy.desc ? -1 : 1;
    const key = q.orderBy.key;
    out.sort((a, b) => {
      const primary = group
        ? compareKeys([a.keys[index]!], [b.keys[index]!])
        : a.values[key]! - b.values[key]!;
      // Ties break on the group keys, so both engines return the same rows in the same order.
      return sign * primary || compareKeys(a.keys, b.keys);
    });
  }
  if (q.limit !== undefined) out = out.slice(0, q.limit);
  return out;
}
