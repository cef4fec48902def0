// The six Signals reports in SparkPost's row shapes (reference sparkpost-api.md §6.2-6.5, taken
// from the fixtures of SparkPost's own app): each row is one facet value with `current_*` values
// (the range's last day), `WoW` (week-over-week change as a fraction) and a daily `history`.
import { COHORTS, type Cohort, type RollupMeasure } from '../store/cohorts.js';
import { HISTORY_DAYS, scoreDay } from './health-score.js';
import { DAY, dt } from './params.js';
import { type Counts, type DayData, emptyDay, zeroCounts } from './series.js';

export type Row = Record<string, unknown>;
type Days = Map<number, DayData>;

export interface Report {
  /** Builds one facet value's history entries, one per day of `days`. */
  history(data: Days, days: number[]): Row[];
  /** The history field WoW compares, and the fields copied from the last day as `current_*`. */
  trend: string;
  current: string[];
  /** The `current_*` field rows are ordered by when the request names none. */
  defaultOrder: string;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const COHORT_KEYS: Array<['total' | Cohort, (d: DayData) => Counts]> = [
  ['total', (d) => d.total],
  ...COHORTS.map((c): ['total' | Cohort, (d: DayData) => Counts] => [c, (d) => d.cohorts[c]]),
];

function historyCounts(data: Days, day: number): Counts {
  const sum = zeroCounts();
  for (let d = day - HISTORY_DAYS * DAY; d < day; d += DAY) {
    const counts = data.get(d)?.total;
    if (counts) for (const m of Object.keys(sum) as RollupMeasure[]) sum[m] += counts[m];
  }
  return sum;
}

const healthScore: Report = {
  history: (data, days) =>
    days.map((day) => {
      const d = data.get(day) ?? emptyDay();
      const { score, weights } = scoreDay(d, historyCounts(data, day));
      return {
        dt: dt(day),
        health_score: score === null ? null : score.toFixed(10),
        total_injection_count: d.total.injected,
        weights,
      };
    }),
  trend: 'health_score',
  current: ['health_score', 'weights', 'total_injection_count'],
  defaultOrder: 'total_injection_count',
};

const spamHits: Report = {
  history: (data, days) =>
    days.map((day) => {
      const d = data.get(day) ?? emptyDay();
      const hits = d.traps.recycled + d.traps.typo + d.traps.parked;
      return {
        dt: dt(day),
        injections: d.total.injected,
        trap_hits: hits,
        relative_trap_hits: ratio(hits, d.total.injected),
        trap_hits_typo: d.traps.typo,
        trap_hits_parked: d.traps.parked,
        trap_hits_recycled: d.traps.recycled,
        perc_trap_hits_typo: ratio(d.traps.typo, hits),
        perc_trap_hits_parked: ratio(d.traps.parked, hits),
        perc_trap_hits_recycled: ratio(d.traps.recycled, hits),
      };
    }),
  trend: 'relative_trap_hits',
  current: ['trap_hits', 'relative_trap_hits', 'injections'],
  defaultOrder: 'injections',
};

const cohortSizes: Report = {
  history: (data, days) =>
    days.map((day) => {
      const d = data.get(day) ?? emptyDay();
      const row: Row = { dt: dt(day) };
      for (const [key, pick] of COHORT_KEYS) row[`c_${key}`] = pick(d).injected;
      row.relative_c_14d = ratio(d.cohorts['14d'].injected, d.total.injected);
      return row;
    }),
  trend: 'relative_c_14d',
  current: [...COHORT_KEYS.map(([k]) => `c_${k}`), 'relative_c_14d'],
  defaultOrder: 'c_total',
};

/** Engagement, unsubscribe and complaint rates by cohort: messages with the outcome / sends. */
function cohortRates(suffix: string, measure: RollupMeasure): Report {
  return {
    history: (data, days) =>
      days.map((day) => {
        const d = data.get(day) ?? emptyDay();
        const row: Row = { dt: dt(day) };
        for (const [key, pick] of COHORT_KEYS) {
          row[`c_${key}_${suffix}`] = pick(d)[measure];
          row[`p_${key}_${suffix}`] = ratio(pick(d)[measure], pick(d).injected);
        }
        return row;
      }),
    trend: `p_total_${suffix}`,
    current: COHORT_KEYS.flatMap(([k]) => [`c_${k}_${suffix}`, `p_${k}_${suffix}`]),
    defaultOrder: `c_total_${suffix}`,
  };
}

export const REPORTS: Record<string, Report> = {
  'health-score': healthScore,
  'spam-hits': spamHits,
  'cohort-engagement': cohortSizes,
  'eng-cohort': cohortRates('eng', 'engaged'),
  'unsub-cohort': cohortRates('unsub', 'unsubscribed'),
  'fbl-cohort': cohortRates('fbl', 'complained'),
};

/** Week over week: the last day against the day a week before it, as a fraction (null when unknown). */
export function weekOverWeek(history: Row[], field: string): number | null {
  const now = Number(history[history.length - 1]?.[field] ?? Number.NaN);
  const before = Number(history[history.length - 8]?.[field] ?? Number.NaN);
  if (!Number.isFinite(now) || !Number.isFinite(before) || before === 0) return null;
  return (now - before) / before;
}
