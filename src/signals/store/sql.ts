// Renders store queries (query.ts) into SQL for one engine. The tree is walked once here; what
// differs between DuckDB and ClickHouse 18.16 (literal escaping, conditional aggregates, how a
// column is "absent") is behind `Dialect`. Values are always inlined as escaped literals: DuckDB
// plans parameterized statements without zone-map pruning (7-70x slower scans, measured), and
// ClickHouse 18.16 has no query parameters at all.
import { isEventTypeName } from '../event-types.js';
import { COLUMNS, type ColumnName } from './columns.js';
import type { Condition, GroupKey, Scalar, TimeBucket } from './query.js';

export interface Dialect {
  /** A string literal that no input can break out of. */
  string(value: string): string;
  /** The column's value as Unix seconds. */
  epoch(column: string): string;
  /** True when the column holds a value (engines store "absent" differently). */
  present(column: ColumnName): string;
  containsCi(column: string, needle: string): string;
  /** RE2 match of the lower-cased column (both engines use RE2; the pattern is lower case). */
  regexLower(column: string, pattern: string): string;
  countIf(condition: string | undefined): string;
  sumIf(column: string, condition: string | undefined): string;
  uniqIf(columns: string[], condition: string | undefined): string;
  intDiv(a: string, b: string): string;
  /** Negation where an absent value (SQL NULL) counts as "not equal": notEq keeps rows without a value. */
  not(condition: string): string;
  /** An engine's faster form of `column IN (literals)`, when it has one. */
  inList?(column: ColumnName, columnSql: string, literals: string[]): string | undefined;
}

export class SqlError extends Error {
  override name = 'SqlError';
}

export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new SqlError(`not a finite number: ${value}`);
  return Number.isInteger(value) ? String(value) : value.toPrecision(17);
}

function literal(d: Dialect, column: ColumnName, value: Scalar): string {
  const kind = COLUMNS[column];
  if (kind === 'type') {
    if (typeof value !== 'string' || !isEventTypeName(value))
      throw new SqlError(`unknown event type ${value}`);
    return `'${value}'`;
  }
  if (kind === 'string' || kind === 'json') return d.string(String(value));
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) throw new SqlError(`${column} takes a number`);
  return numberLiteral(Number(value));
}

/** Escapes RE2 metacharacters so a user's keyword is matched literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

export function renderCondition(d: Dialect, c: Condition, column: (name: ColumnName) => string): string {
  const walk = (x: Condition): string => renderCondition(d, x, column);
  if ('all' in c) return c.all.length === 0 ? '1=1' : `(${c.all.map(walk).join(' AND ')})`;
  if ('any' in c) return c.any.length === 0 ? '1=0' : `(${c.any.map(walk).join(' OR ')})`;
  if ('not' in c) return d.not(walk(c.not));
  const col = column(c.column);
  if ('in' in c) {
    if (c.in.length === 0) return '1=0';
    const literals = c.in.map((v) => literal(d, c.column, v));
    return d.inList?.(c.column, col, literals) ?? `${col} IN (${literals.join(', ')})`;
  }
  if ('contains' in c) return d.containsCi(col, d.string(c.contains));
  if ('token' in c) {
    const separators = c.dots ? '[ ._-]' : '[ _-]';
    // Lower-casing both sides instead of (?i): ClickHouse 18.16 pre-filters a regex by its literal
    // part case-sensitively, so (?i) silently misses differently-cased rows there.
    const pattern = `(^|${separators})${escapeRegex(c.token.toLowerCase())}($|${separators})`;
    return d.regexLower(col, d.string(pattern));
  }
  if ('cmp' in c) return `${col} ${c.cmp} ${literal(d, c.column, c.value)}`;
  return c.present ? d.present(c.column) : d.not(d.present(c.column));
}

/** Start of the bucket holding `ts`, as Unix seconds. */
export function renderBucket(d: Dialect, bucket: TimeBucket, ts: string): string {
  if ('size' in bucket) {
    const size = numberLiteral(bucket.size);
    const offsets = bucket.offsets.length ? bucket.offsets : [{ from: 0, offset: 0 }];
    // The offset in force at ts: the last segment whose start is <= ts.
    let offset = numberLiteral(offsets[0]!.offset);
    for (const segment of offsets.slice(1)) {
      offset = `if(${ts} >= ${numberLiteral(segment.from)}, ${numberLiteral(segment.offset)}, ${offset})`;
    }
    return `(${d.intDiv(`(${ts} + ${offset})`, size)} * ${size} - ${offset})`;
  }
  if (bucket.calendar === 'week') {
    // Days since 1970-01-01 (a Thursday); ISO weeks start on Monday, 3 days earlier in the cycle.
    const day = d.intDiv(ts, '86400');
    return `((${day} - (${day} + 3) % 7) * 86400)`;
  }
  let expr = numberLiteral(bucket.starts[0] ?? 0);
  for (const start of bucket.starts.slice(1)) {
    expr = `if(${ts} >= ${numberLiteral(start)}, ${numberLiteral(start)}, ${expr})`;
  }
  return expr;
}

export function renderGroupKey(d: Dialect, key: GroupKey, column: (name: ColumnName) => string): string {
  return 'column' in key ? column(key.column) : renderBucket(d, key.bucket, d.epoch(column('ts')));
}
