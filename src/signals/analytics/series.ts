// Gathers what the Signals endpoints show: per facet value and per day, the rollup's counts (in
// total and per cohort) and the spam-trap hits among that day's sends. Two store queries: one over
// the small rollup table, one for the sends to listed traps (counted ahead by the rollup job, or
// from the events while the job has not counted the current list yet).
import { COHORTS, type Cohort, ROLLUP_MEASURES, type RollupMeasure } from '../store/cohorts.js';
import { and, timeRange } from '../store/query.js';
import { type TrapCounting, trapHitQuery } from '../store/trap-days.js';
import type { EventStore } from '../store/types.js';
import { DAY, type SignalsRequest } from './params.js';
import { TRAP_KINDS, type TrapKind, type TrapSet, trapCounting } from './traps.js';

export type Counts = Record<RollupMeasure, number>;

export interface DayData {
  total: Counts;
  cohorts: Record<Cohort, Counts>;
  traps: Record<TrapKind, number>;
}

/** Facet value → day start → data; days without sends are absent. */
export type Series = Map<string, Map<number, DayData>>;

/** The subaccount facet's row for "all subaccounts together" (sid -1, reference §6.2). */
export const ALL_SUBACCOUNTS = '-1';

export const zeroCounts = (): Counts => Object.fromEntries(ROLLUP_MEASURES.map((m) => [m, 0])) as Counts;

export function emptyDay(): DayData {
  return {
    total: zeroCounts(),
    cohorts: Object.fromEntries(COHORTS.map((c) => [c, zeroCounts()])) as Record<Cohort, Counts>,
    traps: { recycled: 0, typo: 0, parked: 0 },
  };
}

function add(into: Counts, from: Partial<Counts>): void {
  for (const m of ROLLUP_MEASURES) into[m] += from[m] ?? 0;
}

function dayIn(days: Map<number, DayData>, day: number): DayData {
  let data = days.get(day);
  if (!data) {
    data = emptyDay();
    days.set(day, data);
  }
  return data;
}

function dayOf(series: Series, value: string, day: number): DayData {
  let days = series.get(value);
  if (!days) {
    days = new Map();
    series.set(value, days);
  }
  return dayIn(days, day);
}

export interface GatherOptions {
  /** Extra days before `from` to read (the health score's 3-day engagement history). */
  historyDays?: number;
  traps?: TrapSet;
}

export async function gather(
  store: EventStore,
  req: SignalsRequest,
  options: GatherOptions = {},
): Promise<Series> {
  const from = req.from - (options.historyDays ?? 0) * DAY;
  const column = req.facet.column;
  const traps = options.traps && trapCounting(options.traps);
  const [rollup, trapRows] = await Promise.all([
    store.cohortAggregate({
      where: and(timeRange(from, req.to), ...req.filters),
      groupBy: [column, 'day', 'cohort'],
    }),
    traps ? trapHits(store, req, traps) : Promise.resolve([]),
  ]);
  const series: Series = new Map();
  for (const row of rollup) {
    const [value, day, cohort] = row.keys as [string | number, number, Cohort];
    const data = dayOf(series, String(value), day);
    add(data.total, row.values);
    if (COHORTS.includes(cohort)) add(data.cohorts[cohort], row.values);
  }
  for (const row of trapRows) {
    const [value, day] = row.keys;
    const data = dayOf(series, String(value ?? ''), day as number);
    for (const kind of TRAP_KINDS) data.traps[kind] += row.values[kind] ?? 0;
  }
  if (column === 'subaccount_id' && series.size > 0) series.set(ALL_SUBACCOUNTS, combined(series));
  return series;
}

/** Precomputed by the rollup job when the store holds counts for this list, else from the events. */
async function trapHits(store: EventStore, req: SignalsRequest, traps: TrapCounting) {
  const precomputed = await store.trapAggregate(
    { where: and(timeRange(req.from, req.to), ...req.filters), groupBy: [req.facet.column, 'day'] },
    traps.fingerprint,
  );
  return (
    precomputed ?? store.aggregate(trapHitQuery(traps, req.from, req.to, [req.facet.column], req.filters))
  );
}

function combined(series: Series): Map<number, DayData> {
  const all = new Map<number, DayData>();
  for (const days of series.values()) {
    for (const [day, data] of days) {
      const into = dayIn(all, day);
      add(into.total, data.total);
      for (const c of COHORTS) add(into.cohorts[c], data.cohorts[c]);
      for (const k of TRAP_KINDS) into.traps[k] += data.traps[k];
    }
  }
  return all;
}

/** The days of [from, to), in order. */
export function daysOf(from: number, to: number): number[] {
  const days: number[] = [];
  for (let day = from; day < to; day += DAY) days.push(day);
  return days;
}
