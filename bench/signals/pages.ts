// The API requests each dashboard page makes when it loads (src/web/client/pages/*.ts), for a range
// of whole days. A page's load is all of them at once, as the browser sends them.
import { SUMMARY_COUNTS } from '../../src/web/client/summary-metrics.js';

const COUNTS = SUMMARY_COUNTS.join(',');

const LISTS = ['campaigns', 'ip-pools', 'sending-ips', 'sending-domains', 'mailbox-providers'];

export interface Range {
  /** YYYY-MM-DD, both included. */
  from: string;
  to: string;
  /** The day after `to`. */
  after: string;
  /** Extra filter parameters (e.g. campaigns=x), already encoded. */
  filter?: string;
}

export function pageRequests(r: Range): Record<string, string[]> {
  const f = r.filter ? `&${r.filter}` : '';
  const signals = `from=${r.from}&to=${r.to}${f}`;
  const metrics = `from=${r.from}T00:00&to=${r.after}T00:00${f}&metrics=${COUNTS}`;
  const iso = `from=${r.from}T00:00:00Z&to=${r.after}T00:00:00Z`;
  const precision = 'day';
  return {
    overview: [
      `/api/v1/signals/health-score/campaign?${signals}&limit=10`,
      `/api/v1/signals/spam-hits/campaign?${signals}&limit=10`,
      '/api/v1/signals/health-score-model',
    ],
    summary: [
      `/api/v1/metrics/deliverability?${metrics}`,
      `/api/v1/metrics/deliverability/time-series?${metrics}&precision=${precision}`,
      `/api/v1/metrics/deliverability/campaign?${metrics}&limit=100`,
    ],
    events: [`/api/v1/events/message?${iso}${f}&per_page=50`],
    engagement: ['cohort-engagement', 'eng-cohort', 'unsub-cohort', 'fbl-cohort'].map(
      (report) => `/api/v1/signals/${report}/campaign?${signals}&limit=20`,
    ),
    integration: [`/api/v1/events/ingest?${iso}&per_page=100`, '/api/v1/ingest/uploaders'],
    'filter bar': LISTS.map((list) => `/api/v1/metrics/${list}?${iso}&limit=200`),
  };
}
