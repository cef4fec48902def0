// The hourly rollup: the additive counts of the events table (a row count and the sums the metrics
// use) grouped by hour and by every column a report groups or filters on and every column a
// measure's condition tests. A row stands for events that agree on all those columns within one
// hour, so any condition over them, and any time bucket or range made of whole hours, gives on the
// rollup exactly what it gives on the events. On 10M bench events it holds 1.4M rows and answers a
// 30-day summary by campaign in ~25 ms where the events take ~130 ms (bench/signals).
// Queries it cannot answer exactly (minute precision, a window or time zone not made of whole
// hours, a filter on another column) go to the events table.
// Distinct counts cannot be summed across hours. The unique opens and clicks (distinct messages
// among engagement events) are counted on the engagement table instead: the opens and clicks
// alone (a tenth of the events), each with its timestamp, facets and a 64-bit key of its message,
// so the count is of integers, not strings (2-4x faster). The key is a 64-bit hash: the engine
// checks written messages against the keys already stored (every few seconds, and all at open)
// and, should two messages ever share one, stops using the table for good; only between a write
// and its check could a collision (odds ~3e-8 per million engaged messages) cost a count one.
import type { EventTypeName } from '../event-types.js';
import { ROLLUP_FACETS } from './cohorts.js';
import type { ColumnName } from './columns.js';
import {
  type AggregateQuery,
  and,
  type Condition,
  type GroupKey,
  type Measure,
  type TimeBucket,
} from './query.js';

export const HOUR = 3600;
export const ROLLUP_TABLE = 'events_hourly';

/** The rollup's group columns besides the hour (its `ts`). */
export const ROLLUP_KEYS = [
  'customer_id',
  ...ROLLUP_FACETS, // the Signals facets, in the cohort rollup's order (the table's column order)
  'recipient_domain',
  'type',
  'bounce_class',
  'num_retries',
  'prefetched',
] as const satisfies readonly ColumnName[];

/** Columns the metrics sum; the rollup keeps their sums as `s_<column>` beside the count `n`. */
export const ROLLUP_SUMS = ['queue_time', 'msg_size'] as const satisfies readonly ColumnName[];

const KEYS = new Set<ColumnName>(ROLLUP_KEYS);
const SUMS = new Set<ColumnName>(ROLLUP_SUMS);
const whole = (seconds: number) => Number.isInteger(seconds) && seconds % HOUR === 0;

function fits(c: Condition): boolean {
  if ('all' in c) return c.all.every(fits);
  if ('any' in c) return c.any.every(fits);
  if ('not' in c) return fits(c.not);
  if (c.column !== 'ts') return KEYS.has(c.column);
  // `ts >= h` and `ts < h` hold for a whole hour or for none of it when h is a whole hour.
  if ('present' in c) return true;
  return 'cmp' in c && (c.cmp === '>=' || c.cmp === '<') && whole(Number(c.value));
}

function bucketFits(b: TimeBucket): boolean {
  if ('size' in b) return whole(b.size) && b.offsets.every((o) => whole(o.offset) && whole(o.from));
  return b.calendar === 'week' || b.starts.every(whole);
}

const keyFits = (k: GroupKey) => ('column' in k ? KEYS.has(k.column) : bucketFits(k.bucket));

function measureFits(m: Measure): boolean {
  if ('uniq' in m) return false;
  if ('sum' in m && !SUMS.has(m.sum)) return false;
  return !m.where || fits(m.where);
}

/** True when the rollup answers these measures of the query exactly. */
export function rollupAnswers(q: AggregateQuery, measures: Measure[]): boolean {
  return !q.rawOnly && fits(q.where) && q.groupBy.every(keyFits) && measures.every(measureFits);
}

export const ENGAGEMENT_TABLE = 'events_engagement';
export const ENGAGEMENT_TYPES: readonly EventTypeName[] = [
  'open',
  'amp_open',
  'initial_open',
  'amp_initial_open',
  'click',
  'amp_click',
];
/** The engagement table's columns besides `msg_key` (the 64-bit key of message_id). */
export const ENGAGEMENT_COLUMNS = [
  'ts',
  'message_id',
  ...ROLLUP_KEYS.filter((c) => c !== 'bounce_class' && c !== 'num_retries'),
] as const satisfies readonly ColumnName[];

const ENGAGEMENT = new Set<ColumnName>(ENGAGEMENT_COLUMNS);
const engaging = new Set<string>(ENGAGEMENT_TYPES);

function columnsIn(c: Condition): boolean {
  if ('all' in c) return c.all.every(columnsIn);
  if ('any' in c) return c.any.every(columnsIn);
  if ('not' in c) return columnsIn(c.not);
  return ENGAGEMENT.has(c.column);
}

/** True when every row the condition keeps is an engagement event (it requires such a type). */
function onlyEngagement(c: Condition | undefined): boolean {
  if (!c) return false;
  if ('all' in c) return c.all.some(onlyEngagement);
  if ('any' in c) return c.any.length > 0 && c.any.every(onlyEngagement);
  if ('not' in c) return false;
  return c.column === 'type' && 'in' in c && c.in.every((t) => engaging.has(String(t)));
}

/**
 * The query as the engagement table answers it: a measure's type test that every engagement type
 * passes is dropped, since the table holds nothing else. DuckDB counts distinct keys without a
 * filter markedly faster: a summary page's three unique-open counts over 30 days (bench store)
 * took 152 instead of 210 ms together.
 */
export function onEngagementTable(q: AggregateQuery): AggregateQuery {
  const measures = Object.entries(q.measures).map(([name, m]) => [
    name,
    { ...m, where: onEngagementRows(m.where) },
  ]);
  return { ...q, measures: Object.fromEntries(measures) };
}

function onEngagementRows(c: Condition | undefined): Condition | undefined {
  if (!c) return undefined;
  if ('all' in c) {
    const rest = c.all.map(onEngagementRows).filter((x): x is Condition => x !== undefined);
    return rest.length ? and(...rest) : undefined;
  }
  const everyType = 'in' in c && c.column === 'type' && ENGAGEMENT_TYPES.every((t) => c.in.includes(t));
  return everyType ? undefined : c;
}

/** True when the engagement table answers these distinct counts exactly. */
export function engagementAnswers(q: AggregateQuery, measures: Measure[]): boolean {
  return (
    !q.rawOnly &&
    measures.length > 0 &&
    columnsIn(q.where) &&
    q.groupBy.every((k) => !('column' in k) || ENGAGEMENT.has(k.column)) &&
    measures.every(
      (m) =>
        'uniq' in m &&
        m.uniq.length === 1 &&
        m.uniq[0] === 'message_id' &&
        onlyEngagement(m.where) &&
        columnsIn(m.where!),
    )
  );
}
