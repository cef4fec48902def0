// Summary report: the Metrics API (reference §5) over the range: totals with the rates SparkPost's
// report shows, the chosen metrics over time, and a table grouped by any facet.
import { api } from '../api.js';
import { lineChart } from '../chart.js';
import { dayStart, fill, fmt, h } from '../dom.js';
import { dayAfter, facetFilters, range } from '../filters.js';
import { SUMMARY_COUNTS as COUNTS } from '../summary-metrics.js';
import { sortableTable } from '../table.js';
import { param, setParams } from '../url-state.js';
import { facetSelect } from './facet-select.js';
import { type Facet, facetLabel, type Page, selectedFacet } from './page.js';

type Metrics = Record<string, number>;

const LABELS: Record<string, string> = {
  count_targeted: 'Targeted',
  count_hard_bounce: 'Hard bounces',
  count_block_bounce: 'Block bounces',
  count_delayed_first: 'Delayed on first attempt',
  count_rejected: 'Rejected',
  count_injected: 'Injected',
  count_sent: 'Sent',
  count_accepted: 'Accepted',
  count_delivered: 'Delivered',
  count_bounce: 'Bounces',
  count_unique_confirmed_opened: 'Opened',
  count_unique_clicked: 'Clicked',
  count_spam_complaint: 'Spam complaints',
  count_unsubscribe: 'Unsubscribes',
};

/** SparkPost's report rates (sparkpost-api.md §5.3): each a metric over its base. */
export const RATES: Array<{ key: string; label: string; short: string; of: string; over: string }> = [
  {
    key: 'accepted_rate',
    label: 'Accepted rate',
    short: 'Accepted',
    of: 'count_accepted',
    over: 'count_sent',
  },
  { key: 'bounce_rate', label: 'Bounce rate', short: 'Bounced', of: 'count_bounce', over: 'count_sent' },
  { key: 'hard_rate', label: 'Hard bounce rate', short: 'Hard', of: 'count_hard_bounce', over: 'count_sent' },
  {
    key: 'block_rate',
    label: 'Block bounce rate',
    short: 'Block',
    of: 'count_block_bounce',
    over: 'count_sent',
  },
  {
    key: 'delayed_rate',
    label: 'Delayed rate',
    short: 'Delayed',
    of: 'count_delayed_first',
    over: 'count_accepted',
  },
  {
    key: 'rejection_rate',
    label: 'Rejection rate',
    short: 'Rejected',
    of: 'count_rejected',
    over: 'count_targeted',
  },
  {
    key: 'open_rate',
    label: 'Open rate',
    short: 'Opened',
    of: 'count_unique_confirmed_opened',
    over: 'count_accepted',
  },
  {
    key: 'ctr',
    label: 'Click-through rate',
    short: 'Clicked',
    of: 'count_unique_clicked',
    over: 'count_accepted',
  },
  {
    key: 'complaint_rate',
    label: 'Spam complaint rate',
    short: 'Complaints',
    of: 'count_spam_complaint',
    over: 'count_accepted',
  },
  {
    key: 'unsubscribe_rate',
    label: 'Unsubscribe rate',
    short: 'Unsub.',
    of: 'count_unsubscribe',
    over: 'count_accepted',
  },
];

export const rateOf = (m: Metrics, r: (typeof RATES)[number]) =>
  m[r.over] ? (m[r.of] ?? 0) / m[r.over]! : null;

const CHARTABLE = Object.entries(LABELS).filter(
  ([m]) => !['count_hard_bounce', 'count_block_bounce', 'count_delayed_first', 'count_rejected'].includes(m),
);
const DOMAIN: Facet = {
  path: 'domain',
  label: 'Recipient domain',
  signalsKey: 'domain',
  metricsKey: 'domain',
};
const CHART_DEFAULT = 'count_targeted,count_delivered,count_unique_confirmed_opened';

function metricsParams(precision?: string) {
  const { from, to } = range();
  return {
    from: `${from}T00:00`,
    to: `${dayAfter(to)}T00:00`,
    precision,
    metrics: COUNTS.join(','),
    ...facetFilters(),
  };
}

export const summary: Page = {
  title: 'Summary report',
  mount(view) {
    const group = param('group') === 'domain' ? DOMAIN : selectedFacet('group');
    const charted = param('metrics', CHART_DEFAULT)
      .split(',')
      .filter((m) => COUNTS.includes(m));
    const tiles = h('div', { class: 'tiles', id: 'summary-tiles' });
    const chart = h('div', { class: 'chart', id: 'summary-chart' });
    const table = h('div', { id: 'summary-table' });
    const picker = h(
      'div',
      { class: 'metric-picker' },
      ...CHARTABLE.map(([metric, label]) =>
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            value: metric,
            checked: charted.includes(metric),
            onchange: () => {
              const checked = [...picker.querySelectorAll<HTMLInputElement>('input:checked')].map(
                (i) => i.value,
              );
              setParams({ metrics: checked.join(',') || CHART_DEFAULT });
            },
          }),
          ` ${label}`,
        ),
      ),
    );
    fill(
      view,
      h('section', {}, tiles),
      h('section', {}, h('h2', {}, 'Over time'), picker, chart),
      h('section', {}, h('div', { class: 'toolbar' }, facetSelect(group, 'group', [DOMAIN])), table),
    );
    return async () => {
      const { from, to } = range();
      const days = (dayStart(to) - dayStart(from)) / 86400 + 1;
      const precision = days <= 3 ? 'hour' : 'day';
      const [total, series, grouped] = await Promise.all([
        api<{ results: Metrics[] }>('/api/v1/metrics/deliverability', metricsParams()),
        api<{ results: Array<Metrics & { ts: string }> }>(
          '/api/v1/metrics/deliverability/time-series',
          metricsParams(precision),
        ),
        api<{ results: Array<Metrics & Record<string, unknown>> }>(
          `/api/v1/metrics/deliverability/${group.path}`,
          {
            ...metricsParams(),
            limit: 100,
          },
        ),
      ]);
      const sums = total.results[0] ?? {};
      fill(
        tiles,
        ...['count_targeted', 'count_delivered', 'count_bounce', 'count_unique_confirmed_opened'].map((m) =>
          h(
            'div',
            { class: 'tile', 'data-metric': m, 'data-value': String(sums[m] ?? 0) },
            h('span', { class: 'tile-value' }, fmt.int(sums[m] ?? 0)),
            h('span', {}, LABELS[m]),
          ),
        ),
        ...RATES.map((r) =>
          h(
            'div',
            { class: 'tile', 'data-metric': r.key, 'data-value': String(rateOf(sums, r) ?? '') },
            h('span', { class: 'tile-value' }, fmt.pct(rateOf(sums, r))),
            h('span', {}, r.label),
          ),
        ),
      );
      lineChart(chart, {
        step: precision === 'day' ? 86400 : 3600,
        xs: series.results.map((p) => Date.parse(p.ts) / 1000),
        series: charted.map((m) => ({ label: LABELS[m] ?? m, values: series.results.map((p) => p[m] ?? 0) })),
        y: { format: (v) => fmt.int(v) },
      });
      const key = (r: Record<string, unknown>) => String(r[group.metricsKey]);
      fill(
        table,
        sortableTable(
          'summary',
          [
            { key: 'value', label: group.label, value: key, show: (r) => facetLabel(r[group.metricsKey]) },
            ...['count_targeted', 'count_sent', 'count_accepted', 'count_bounce'].map((m) => ({
              key: m,
              label: LABELS[m]!,
              numeric: true,
              value: (r: Metrics) => r[m] ?? 0,
              show: (r: Metrics) => fmt.int(r[m] ?? 0),
            })),
            ...RATES.map((rate) => ({
              key: rate.key,
              label: `${rate.short} %`,
              title: `${rate.label}: ${LABELS[rate.of] ?? rate.of} / ${LABELS[rate.over] ?? rate.over}`,
              numeric: true,
              value: (r: Metrics) => rateOf(r, rate),
              show: (r: Metrics) => fmt.pct(rateOf(r, rate)),
            })),
          ],
          grouped.results,
          { rowKey: key },
        ),
      );
    };
  },
};
