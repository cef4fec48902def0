// What callers ask the store for, independent of the engine: a condition tree over the columns,
// aggregates (counts, sums, distinct counts, each with its own condition) grouped by facets and
// time buckets, and keyset-paged searches. Each engine renders these into its own SQL.
import type { ColumnName, FacetColumn, StoredEvent } from './columns.js';

export type Scalar = string | number;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  /** Equal to one of the values (an empty list matches nothing). */
  | { column: ColumnName; in: readonly Scalar[] }
  /** Case-insensitive substring. */
  | { column: ColumnName; contains: string }
  /** SparkPost keyword search: the value matches whole tokens split on space, `-`, `_` (and `.`). */
  | { column: ColumnName; token: string; dots?: boolean }
  | { column: ColumnName; cmp: '<' | '<=' | '>' | '>=' | '='; value: Scalar }
  | { column: ColumnName; present: boolean };

export const TRUE: Condition = { all: [] };

/** `from <= ts < to`, Unix seconds. */
export function timeRange(from: number, to: number): Condition {
  return {
    all: [
      { column: 'ts', cmp: '>=', value: from },
      { column: 'ts', cmp: '<', value: to },
    ],
  };
}

/** Conjunction, flattened (nested `all`s are spliced in) so engines can spot top-level filters. */
export function and(...items: Array<Condition | undefined>): Condition {
  const list: Condition[] = [];
  const add = (c: Condition | undefined): void => {
    if (c === undefined) return;
    if ('all' in c) c.all.forEach(add);
    else list.push(c);
  };
  items.forEach(add);
  return list.length === 1 ? list[0]! : { all: list };
}

export type Measure =
  | { count: true; where?: Condition }
  | { sum: ColumnName; where?: Condition }
  /** Distinct combinations of the columns among matching rows. */
  | { uniq: ColumnName[]; where?: Condition };

/**
 * A time bucket. `size` buckets are aligned to local time: each `offsets` entry gives the UTC offset
 * (seconds east) in force from `from` on, so a range that crosses a DST change stays exact.
 * `week` (ISO, Monday) and `month` buckets are UTC, as SparkPost's are.
 */
export type TimeBucket =
  | { size: number; offsets: Array<{ from: number; offset: number }> }
  | { calendar: 'week' }
  | { calendar: 'month'; starts: number[] };

export type GroupKey = { column: FacetColumn } | { bucket: TimeBucket };

export interface AggregateQuery {
  where: Condition;
  groupBy: GroupKey[];
  measures: Record<string, Measure>;
  /** A measure name or `group:N` (the Nth group key); default: no order. */
  orderBy?: { key: string; desc: boolean };
  limit?: number;
  /** Answer from the events table even when a rollup could (tests compare the two answers). */
  rawOnly?: boolean;
}

export interface AggregateRow {
  /** One value per group key, in order; time buckets are the bucket's start in Unix seconds. */
  keys: Array<string | number | null>;
  values: Record<string, number>;
}

export interface SearchQuery {
  where: Condition;
  limit: number;
  /** Newest first; `after` is the last row of the previous page. */
  after?: { ts: number; event_id: string };
}

export type SearchResult = StoredEvent[];
