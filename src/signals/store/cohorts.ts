// The daily cohort rollup behind Signals (health score, engagement recency): for every UTC day,
// the day's sends counted per facet combination and per engagement-recency cohort of the
// recipient, with what became of those messages. Classifying a send needs the recipient's whole
// history (last engagement, first send), which costs seconds over 10M events, so each engine
// computes one day at a time into a small table and the APIs read that table (reference
// sparkpost-api.md §6.3-6.4; docs/health-score.md).
import type { FacetColumn } from './columns.js';
import type { AggregateRow, Condition } from './query.js';
import type { TrapCounting } from './trap-days.js';

/** SparkPost's cohort keys (§6.4), most engaged last. */
export const COHORTS = ['new', 'uneng', '365d', '90d', '14d'] as const;
export type Cohort = (typeof COHORTS)[number];

/** The facets a day is split by: the Signals facets (subaccount, campaign, pool, IP, domain, provider). */
export const ROLLUP_FACETS = [
  'subaccount_id',
  'campaign_id',
  'ip_pool',
  'sending_ip',
  'sending_domain',
  'mailbox_provider',
] as const satisfies readonly FacetColumn[];
export type RollupFacet = (typeof ROLLUP_FACETS)[number];

/**
 * Counts per row. The outcome measures count distinct messages sent that day for which a matching
 * event exists (the send itself for `injected` and `tracked`); `suppressed` and `role` count sends.
 */
export const ROLLUP_MEASURES = [
  'injected',
  'tracked',
  'hard',
  'block',
  'other_bounce',
  'delayed',
  'engaged',
  'unsubscribed',
  'complained',
  'suppressed',
  'role',
] as const;
export type RollupMeasure = (typeof ROLLUP_MEASURES)[number];
export type OutcomeMeasure = Exclude<RollupMeasure, 'suppressed' | 'role'>;

/** Cohort boundaries in days (§6.4): engaged within 14, 90, 365 days; new = first send within 7. */
export const COHORT_DAYS = { recent: 14, semi: 90, year: 365, fresh: 7 } as const;

export interface CohortDaySpec {
  /** 00:00 UTC of the day, Unix seconds. */
  day: number;
  /** Events with ts >= until are ignored (the clock of the computation). */
  until: number;
  /** A final day is not computed again. */
  final: boolean;
  /** Seconds of history before the day that classify a recipient. */
  lookback: number;
  /** Events that make a recipient engaged from then on (opens, clicks). */
  engagement: Condition;
  /** Events after which a recipient belongs on a suppression list (hard bounce, complaint, unsubscribe). */
  suppression: Condition;
  /** Which events of a day's messages count for each outcome (`injected` must select the sends). */
  outcomes: Record<OutcomeMeasure, Condition>;
  /** Local parts that mark a role address (abuse@, postmaster@, …), lower case. */
  roleLocalParts: readonly string[];
  /** The spam-trap list whose hits the day's computation recounts (trap-days.ts), if any. */
  traps?: TrapCounting;
}

export interface CohortDayState {
  day: number;
  /** The `until` of the computation that wrote the day. */
  until: number;
  final: boolean;
}

export type CohortGroup = RollupFacet | 'day' | 'cohort';

export interface CohortQuery {
  /** Over the rollup: facet columns, and `ts` for the day (00:00 UTC of each day). */
  where: Condition;
  groupBy: CohortGroup[];
}

/** Checks a rollup condition names only rollup columns (and `ts`), before any SQL is rendered. */
export function checkRollupCondition(c: Condition): void {
  if ('all' in c) c.all.forEach(checkRollupCondition);
  else if ('any' in c) c.any.forEach(checkRollupCondition);
  else if ('not' in c) checkRollupCondition(c.not);
  else if (c.column !== 'ts' && !(ROLLUP_FACETS as readonly string[]).includes(c.column)) {
    throw new Error(`the cohort rollup has no column ${c.column}`);
  }
}

/** Rows of `cohortAggregate`: keys in groupBy order (day as Unix seconds), every measure summed. */
export type CohortRow = AggregateRow & { values: Record<RollupMeasure, number> };

/** The regular expression (lower case, anchored) that matches a role address's local part. */
export function rolePattern(localParts: readonly string[]): string {
  const escaped = localParts.map((p) => p.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&'));
  return `^(${escaped.join('|')})@`;
}
