// The report queries, as the HTTP requests a client sends (reference sparkpost-api.md §2–§4),
// over the data set's whole 30 days. Parameters rotate between runs (pools, recipients) so no
// answer is reused.
import { CAMPAIGNS, recipientAddress } from './generate.js';

const SUMMARY = [
  'count_targeted',
  'count_injected',
  'count_sent',
  'count_accepted',
  'count_delivered',
  'count_bounce',
  'count_hard_bounce',
  'count_soft_bounce',
  'count_block_bounce',
  'count_delayed',
  'count_rejected',
  'count_spam_complaint',
  'count_rendered',
  'count_clicked',
  'count_unsubscribe',
].join(',');
const POOLS = ['hot chili', 'warmup', 'transactional', 'bulk'];

export interface Query {
  name: string;
  /** Median target in ms. */
  target: number;
  /** The request of run `i`. */
  path(i: number): string;
}

/** `from`/`to`: ISO times; `recipients`: how many recipients the data set has. */
export function storeQueries(from: string, to: string, recipients: number): Query[] {
  const window = `from=${from}&to=${to}`;
  return [
    {
      name: 'summary report by campaign',
      target: 100,
      path: () => `/api/v1/metrics/deliverability/campaign?${window}&metrics=${SUMMARY}`,
    },
    {
      name: 'hourly time series, one pool',
      target: 50,
      path: (i) =>
        `/api/v1/metrics/deliverability/time-series?${window}&precision=hour&ip_pools=${encodeURIComponent(POOLS[i % POOLS.length]!)}&metrics=count_sent,count_delivered,count_bounce,count_rendered,count_clicked`,
    },
    {
      name: 'recipient search',
      target: 20,
      path: (i) =>
        `/api/v1/events/message?${window}&recipients=${encodeURIComponent(recipientAddress((i * 7919 + 13) % recipients))}`,
    },
    {
      name: 'unique opens per campaign',
      target: 200,
      path: () =>
        `/api/v1/metrics/deliverability/campaign?${window}&metrics=count_unique_rendered,count_unique_confirmed_opened,count_unique_clicked`,
    },
    {
      name: 'events of one campaign, 100 a page',
      target: 0,
      path: (i) =>
        `/api/v1/events/message?${window}&campaigns=${CAMPAIGNS[i % CAMPAIGNS.length]}&per_page=100`,
    },
  ];
}
