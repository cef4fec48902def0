// Every metric of SparkPost's Metrics API (reference sparkpost-api.md §5.3) with its definition and
// how it is counted from events. Metrics are sums of a few base measures, so a request computes
// only the measures its metrics need, in one pass over the events. Where the reference marks the
// counting rule uncertain, the choice made here is written beside the metric.
import type { EventTypeName } from '../event-types.js';
import type { Condition, Measure } from '../store/query.js';

const type = (...types: EventTypeName[]): Condition => ({ column: 'type', in: types });
export const ADMIN = [25, 80];
export const HARD = [10, 30, 90];
export const SOFT = [20, 21, 22, 23, 24, 40, 60, 70, 100];
export const BLOCK = [50, 51, 52, 53, 54];
const firstAttempt: Condition = {
  any: [
    { column: 'num_retries', present: false },
    { column: 'num_retries', in: [0] },
  ],
};
const notAdmin: Condition = {
  any: [{ column: 'bounce_class', present: false }, { not: { column: 'bounce_class', in: ADMIN } }],
};
const bounced = type('bounce', 'out_of_band');
const notPrefetched: Condition = {
  any: [
    { column: 'prefetched', present: false },
    { column: 'prefetched', in: [0] },
  ],
};
export const OPEN = ['open', 'amp_open'] as const;
export const INITIAL = ['initial_open', 'amp_initial_open'] as const;
export const CLICK = ['click', 'amp_click'] as const;

/** The measures metrics are built from; each is one aggregate in the store query. */
export const BASE: Record<string, Measure> = {
  injected: { count: true, where: type('injection') },
  policy_rejection: { count: true, where: type('policy_rejection') },
  generation_failed: { count: true, where: type('generation_failure') },
  generation_rejection: { count: true, where: type('generation_rejection') },
  delivered: { count: true, where: type('delivery') },
  delivered_first: { count: true, where: { all: [type('delivery'), firstAttempt] } },
  time_first: { sum: 'queue_time', where: { all: [type('delivery'), firstAttempt] } },
  time_subsequent: { sum: 'queue_time', where: { all: [type('delivery'), { not: firstAttempt }] } },
  msg_volume: { sum: 'msg_size', where: type('delivery') },
  delayed: { count: true, where: type('delay') },
  delayed_first: { count: true, where: { all: [type('delay'), firstAttempt] } },
  inband_all: { count: true, where: type('bounce') },
  inband: { count: true, where: { all: [type('bounce'), notAdmin] } },
  outofband: { count: true, where: { all: [type('out_of_band'), notAdmin] } },
  hard: { count: true, where: { all: [bounced, { column: 'bounce_class', in: HARD }] } },
  soft: { count: true, where: { all: [bounced, { column: 'bounce_class', in: SOFT }] } },
  block: { count: true, where: { all: [bounced, { column: 'bounce_class', in: BLOCK }] } },
  admin: { count: true, where: { all: [bounced, { column: 'bounce_class', in: ADMIN }] } },
  undetermined: {
    count: true,
    where: {
      all: [
        bounced,
        {
          any: [
            { column: 'bounce_class', present: false },
            { column: 'bounce_class', in: [1] },
          ],
        },
      ],
    },
  },
  spam_complaint: { count: true, where: type('spam_complaint') },
  rendered: { count: true, where: type(...OPEN) },
  initial_rendered: { count: true, where: type(...INITIAL) },
  unique_rendered: { uniq: ['message_id'], where: type(...OPEN) },
  unique_initial_rendered: { uniq: ['message_id'], where: type(...INITIAL) },
  unique_confirmed_opened: { uniq: ['message_id'], where: type(...OPEN, ...INITIAL, ...CLICK) },
  np_rendered: { count: true, where: { all: [type(...OPEN), notPrefetched] } },
  np_initial_rendered: { count: true, where: { all: [type(...INITIAL), notPrefetched] } },
  np_unique_rendered: { uniq: ['message_id'], where: { all: [type(...OPEN), notPrefetched] } },
  np_unique_initial_rendered: { uniq: ['message_id'], where: { all: [type(...INITIAL), notPrefetched] } },
  np_unique_confirmed_opened: {
    uniq: ['message_id'],
    where: { all: [type(...OPEN, ...INITIAL, ...CLICK), notPrefetched] },
  },
  clicked: { count: true, where: type(...CLICK) },
  unique_clicked: { uniq: ['message_id'], where: type(...CLICK) },
  raw_clicked: { uniq: ['message_id', 'target_link_url'], where: type(...CLICK) },
  unsubscribe: { count: true, where: type('list_unsubscribe', 'link_unsubscribe') },
};

type Base = keyof typeof BASE;
type Values = Record<string, number>;

interface MetricDefinition {
  description: string;
  needs: Base[];
  value?: (v: Values) => number;
}

const sum = (...names: Base[]) => ({
  needs: names,
  value: (v: Values) => names.reduce((s, n) => s + v[n]!, 0),
});

export const METRICS: Record<string, MetricDefinition> = {
  count_targeted: {
    description: 'messages injected plus rejected',
    ...sum('injected', 'policy_rejection', 'generation_failed', 'generation_rejection'),
  },
  count_injected: { description: 'messages injected', needs: ['injected'] },
  count_sent: {
    description: 'delivery attempts that ended: deliveries and in-band bounces',
    ...sum('delivered', 'inband_all'),
  },
  count_delivered: { description: 'delivered to the mailbox provider', needs: ['delivered'] },
  count_accepted: {
    description: 'delivered, less out-of-band bounces (never below 0)',
    needs: ['delivered', 'outofband'],
    value: (v) => Math.max(0, v.delivered! - v.outofband!),
  },
  count_delivered_first: {
    description: 'delivered on the first attempt (num_retries 0 or absent)',
    needs: ['delivered_first'],
  },
  count_delivered_subsequent: {
    description: 'delivered after one or more failed attempts',
    needs: ['delivered', 'delivered_first'],
    value: (v) => v.delivered! - v.delivered_first!,
  },
  total_delivery_time_first: {
    description: 'sum of queue_time (ms) of first-attempt deliveries',
    needs: ['time_first'],
  },
  total_delivery_time_subsequent: {
    description: 'sum of queue_time (ms) of later deliveries',
    needs: ['time_subsequent'],
  },
  total_msg_volume: { description: 'bytes delivered (sum of msg_size of deliveries)', needs: ['msg_volume'] },
  count_delayed: { description: 'delay events (temporary failures)', needs: ['delayed'] },
  count_delayed_first: { description: 'delays on the first attempt', needs: ['delayed_first'] },
  count_rejected: {
    description: 'policy rejections, generation rejections and generation failures',
    ...sum('policy_rejection', 'generation_failed', 'generation_rejection'),
  },
  count_policy_rejection: { description: 'rejected by policy', needs: ['policy_rejection'] },
  count_generation_failed: { description: 'generation failed', needs: ['generation_failed'] },
  count_generation_rejection: { description: 'generation rejected', needs: ['generation_rejection'] },
  count_bounce: {
    description: 'in-band and out-of-band bounces, admin bounces (class 25, 80) excluded',
    ...sum('inband', 'outofband'),
  },
  count_inband_bounce: { description: 'bounced during the SMTP session (admin excluded)', needs: ['inband'] },
  count_outofband_bounce: { description: 'bounced after acceptance (admin excluded)', needs: ['outofband'] },
  count_hard_bounce: { description: 'bounces of the Hard category (classes 10, 30, 90)', needs: ['hard'] },
  count_soft_bounce: { description: 'bounces of the Soft category', needs: ['soft'] },
  count_block_bounce: { description: 'bounces of the Block category (classes 50-54)', needs: ['block'] },
  count_admin_bounce: {
    description: 'bounces of the Admin category (classes 25, 80); not in count_bounce',
    needs: ['admin'],
  },
  count_undetermined_bounce: { description: 'bounces of class 1 or with no class', needs: ['undetermined'] },
  count_spam_complaint: { description: 'spam complaints', needs: ['spam_complaint'] },
  count_rendered: { description: 'renderings of the bottom pixel (open, amp_open)', needs: ['rendered'] },
  count_initial_rendered: {
    description: 'renderings of the top pixel (initial_open, amp_initial_open)',
    needs: ['initial_rendered'],
  },
  count_unique_rendered: { description: 'messages with at least one open', needs: ['unique_rendered'] },
  count_unique_initial_rendered: {
    description: 'messages with at least one initial open',
    needs: ['unique_initial_rendered'],
  },
  count_unique_confirmed_opened: {
    description: 'messages opened, initially opened or clicked',
    needs: ['unique_confirmed_opened'],
  },
  count_nonprefetched_rendered: {
    description: 'count_rendered without privacy-proxy prefetches',
    needs: ['np_rendered'],
  },
  count_nonprefetched_initial_rendered: {
    description: 'count_initial_rendered without prefetches',
    needs: ['np_initial_rendered'],
  },
  count_nonprefetched_unique_rendered: {
    description: 'count_unique_rendered without prefetches',
    needs: ['np_unique_rendered'],
  },
  count_nonprefetched_unique_initial_rendered: {
    description: 'count_unique_initial_rendered without prefetches',
    needs: ['np_unique_initial_rendered'],
  },
  count_nonprefetched_unique_confirmed_opened: {
    description: 'count_unique_confirmed_opened without prefetches',
    needs: ['np_unique_confirmed_opened'],
  },
  count_clicked: { description: 'clicks (click, amp_click)', needs: ['clicked'] },
  count_unique_clicked: { description: 'messages with at least one click', needs: ['unique_clicked'] },
  count_raw_clicked: {
    description: 'distinct (message, link) pairs clicked (reference: "unique link clicks")',
    needs: ['raw_clicked'],
  },
  count_unsubscribe: { description: 'list and link unsubscribes', needs: ['unsubscribe'] },
  // Enterprise's approximations: computed exactly here (the reference allows 5% error).
  count_unique_clicked_approx: { description: 'count_unique_clicked (exact)', needs: ['unique_clicked'] },
  count_unique_confirmed_opened_approx: {
    description: 'count_unique_confirmed_opened (exact)',
    needs: ['unique_confirmed_opened'],
  },
  count_unique_rendered_approx: { description: 'count_unique_rendered (exact)', needs: ['unique_rendered'] },
  count_unique_initial_rendered_approx: {
    description: 'count_unique_initial_rendered (exact)',
    needs: ['unique_initial_rendered'],
  },
};

/** The base measures a set of metrics needs. */
export function measuresFor(metrics: readonly string[]): Record<string, Measure> {
  const out: Record<string, Measure> = {};
  for (const metric of metrics) for (const need of METRICS[metric]!.needs) out[need] = BASE[need]!;
  return out;
}

export function metricValue(metric: string, values: Values): number {
  const definition = METRICS[metric]!;
  return definition.value ? definition.value(values) : values[definition.needs[0]!]!;
}
