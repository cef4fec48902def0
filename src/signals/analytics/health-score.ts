// Outpost's health score: a documented, deterministic formula over the components SparkPost lists
// (reference sparkpost-api.md §6.3; docs/health-score.md explains each number). SparkPost's model
// is secret; this one starts from 1 and takes off a penalty per component, each capped at the
// component's weight, so every point lost can be traced to one component:
//
//   score = max(0, 1 - sum of penalties)
//   problem component:  penalty = weight * min(1, rate / saturation)
//   good component:     penalty = weight * max(0, 1 - rate / target)      (a shortfall)
//
// A day scores only with at least 1,000 sends with open tracking (SparkPost's minimum volume).
import type { Counts, DayData } from './series.js';

export const MIN_TRACKED_SENDS = 1000;

/** Engagement history the score reads: the three days before the scored one. */
export const HISTORY_DAYS = 3;

interface Inputs {
  day: DayData;
  /** The previous HISTORY_DAYS days summed (for "Historical Engagement"). */
  history: Counts;
}

export interface Component {
  /** SparkPost's `weight_type` string. */
  type: string;
  /** The dashboard's label (SparkPost's UI label). */
  label: string;
  /** The most this component can take off the score (a fraction of 1). */
  weight: number;
  kind: 'problem' | 'good';
  /** Problem: the rate at which the whole weight is lost. Good: the rate that loses nothing. */
  scale: number;
  /** Rate of the component, or undefined when it cannot be known (no sends). */
  rate(inputs: Inputs): number | undefined;
  explain: string;
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : undefined);
const ofSends = (pick: (c: Counts) => number) => (i: Inputs) =>
  share(pick(i.day.total), i.day.total.injected);

export const COMPONENTS: readonly Component[] = [
  {
    type: 'Hard Bounces',
    label: 'Hard Bounces',
    weight: 0.15,
    kind: 'problem',
    scale: 0.05,
    rate: ofSends((c) => c.hard),
    explain: 'sends that hard-bounced (classes 10, 30, 90)',
  },
  {
    type: 'Block Bounces',
    label: 'Block Bounces',
    weight: 0.15,
    kind: 'problem',
    scale: 0.05,
    rate: ofSends((c) => c.block),
    explain: 'sends blocked by the receiver (classes 50-54)',
  },
  {
    type: 'Other bounces',
    label: 'Other Bounces',
    weight: 0.05,
    kind: 'problem',
    scale: 0.1,
    rate: ofSends((c) => c.other_bounce),
    explain: 'sends that bounced soft or undetermined',
  },
  {
    type: 'Transient Failures',
    label: 'Transient Failures',
    weight: 0.05,
    kind: 'problem',
    scale: 0.2,
    rate: ofSends((c) => c.delayed),
    explain: 'sends delayed at least once',
  },
  {
    type: 'Complaints',
    label: 'Complaints',
    weight: 0.2,
    kind: 'problem',
    scale: 0.005,
    rate: ofSends((c) => c.complained),
    explain: 'sends reported as spam',
  },
  {
    type: 'Unsubscribes',
    label: 'Unsubscribes',
    weight: 0.05,
    kind: 'problem',
    scale: 0.02,
    rate: ofSends((c) => c.unsubscribed),
    explain: 'sends that led to an unsubscribe',
  },
  {
    type: 'Spam Trap Hits',
    label: 'Spam Trap Hits',
    weight: 0.15,
    kind: 'problem',
    scale: 0.001,
    // Parked domains "will not affect your reputation" (§6.5): listed, shown, not scored.
    rate: (i) => share(i.day.traps.recycled + i.day.traps.typo, i.day.total.injected),
    explain: 'sends to recycled or typo traps of the spam-trap list',
  },
  {
    type: 'Suppression Hits',
    label: 'Suppression Hits',
    weight: 0.1,
    kind: 'problem',
    scale: 0.02,
    rate: ofSends((c) => c.suppressed),
    explain: 'sends to recipients who had hard-bounced, complained or unsubscribed before',
  },
  {
    type: 'List Quality',
    label: 'Subscriber Quality',
    weight: 0.05,
    kind: 'problem',
    scale: 0.02,
    rate: ofSends((c) => c.role),
    explain: 'sends to role mailboxes (abuse@, postmaster@, info@, ...), a sign of bought or scraped lists',
  },
  {
    type: 'eng cohorts: unengaged',
    label: 'Unengaged Recipients',
    weight: 0.15,
    kind: 'problem',
    scale: 0.5,
    rate: (i) => share(i.day.cohorts.uneng.injected, i.day.total.injected),
    explain: 'sends to recipients who never engaged or not within 365 days',
  },
  {
    type: 'eng cohorts: new, 14-day',
    label: 'Engaged Recipients',
    weight: 0.1,
    kind: 'good',
    scale: 0.5,
    rate: (i) => share(i.day.cohorts.new.injected + i.day.cohorts['14d'].injected, i.day.total.injected),
    explain: 'sends to new recipients or recipients engaged within 14 days',
  },
  {
    type: 'Historical Engagement',
    label: 'Historical Engagement',
    weight: 0.1,
    kind: 'good',
    scale: 0.15,
    rate: (i) => share(i.history.engaged, i.history.injected),
    explain: 'share of the previous 3 days of sends that were opened or clicked',
  },
];

export interface Weight {
  weight_type: string;
  /** The signed contribution to the score (0 or negative), SparkPost's `weight`. */
  weight: string;
  /** The component's rate, SparkPost's `weight_value`. */
  weight_value: string;
}

export interface DayScore {
  /** 0-1, or null below the minimum volume. */
  score: number | null;
  weights: Weight[];
}

const fixed = (n: number) => n.toFixed(10);

export function penalty(component: Component, rate: number | undefined): number {
  if (rate === undefined) return 0;
  if (component.kind === 'problem') return component.weight * Math.min(1, rate / component.scale);
  return component.weight * Math.max(0, 1 - rate / component.scale);
}

export function scoreDay(day: DayData, history: Counts): DayScore {
  const inputs = { day, history };
  let lost = 0;
  const weights = COMPONENTS.map((component) => {
    // A day without sends has nothing to score, history included.
    const rate = day.total.injected > 0 ? component.rate(inputs) : undefined;
    const p = penalty(component, rate);
    lost += p;
    return { weight_type: component.type, weight: fixed(p === 0 ? 0 : -p), weight_value: fixed(rate ?? 0) };
  });
  const score = day.total.tracked >= MIN_TRACKED_SENDS ? Math.max(0, 1 - lost) : null;
  return { score, weights };
}
