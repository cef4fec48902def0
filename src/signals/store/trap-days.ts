// Spam-trap hits per day, counted ahead of the request. The Signals reports count the sends
// (injections) to listed traps per facet value and day; matching every injection's recipient
// address at request time reads millions of strings for a month's range, so the cohort rollup job
// counts them per day and facet combination into a small table, and recounts every day when the
// trap list changes. A table holds counts for exactly one list, named by its fingerprint; a
// reader whose list has another fingerprint (just edited, not yet recounted) counts from the
// events as before, so answers never mix two lists.
import { ROLLUP_FACETS } from './cohorts.js';
import { type AggregateQuery, and, type Condition, timeRange } from './query.js';

export const TRAP_KINDS = ['recycled', 'typo', 'parked'] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

const DAY = 86400;

export interface TrapCounting {
  /** Names the list the counts were made with (a digest of its entries). */
  fingerprint: string;
  /** Per kind, the sends that hit a trap of that kind; kinds the list does not use are absent. */
  conditions: Partial<Record<TrapKind, Condition>>;
}

/**
 * Sends to listed traps in [from, to) (whole days), counted per kind, grouped by the given facet
 * columns and the UTC day. The request-time path and the precomputed table both count this query,
 * so their answers are the same by construction.
 */
export function trapHitQuery(
  traps: TrapCounting,
  from: number,
  to: number,
  groupBy: readonly (typeof ROLLUP_FACETS)[number][],
  filters: Condition[] = [],
): AggregateQuery {
  const kinds = TRAP_KINDS.filter((k) => traps.conditions[k] !== undefined);
  return {
    where: and(timeRange(from, to), { column: 'type', in: ['injection'] }, ...filters, {
      any: kinds.map((k) => traps.conditions[k]!),
    }),
    groupBy: [...groupBy.map((column) => ({ column })), { bucket: { size: DAY, offsets: [] } }],
    measures: Object.fromEntries(
      kinds.map((k) => [k, { count: true as const, where: traps.conditions[k]! }]),
    ),
  };
}

/** The query that fills the table: every facet column, so any report's grouping and filter apply. */
export function trapDaysQuery(traps: TrapCounting, from: number, to: number): AggregateQuery {
  return trapHitQuery(traps, from, to, ROLLUP_FACETS);
}
