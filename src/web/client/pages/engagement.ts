// Engagement recency: where each facet value's sends went by recipient cohort (reference §6.4),
// the cohorts' share over time for the selected value, and its engagement, unsubscribe and
// complaint rates per cohort on the range's last day.
import { api } from '../api.js';
import { lineChart } from '../chart.js';
import { fill, fmt, h } from '../dom.js';
import { sortableTable } from '../table.js';
import { param, setParams } from '../url-state.js';
import { facetSelect } from './facet-select.js';
import { facetLabel, type Page, selectedFacet, signalsParams, xsOf } from './page.js';

type Row = Record<string, unknown> & { history: Array<Record<string, number> & { dt: string }> };
type Data = { results: { data: Row[] } };

export const COHORTS = [
  { key: 'new', label: 'New' },
  { key: '14d', label: 'Recently engaged (14 days)' },
  { key: '90d', label: 'Semi-recently engaged (90 days)' },
  { key: '365d', label: 'Not recently engaged (365 days)' },
  { key: 'uneng', label: 'Never engaged' },
] as const;

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

export const engagement: Page = {
  title: 'Engagement recency',
  mount(view) {
    const facet = selectedFacet();
    const chart = h('div', { class: 'chart', id: 'cohort-chart' });
    const sizes = h('div', { id: 'cohort-sizes' });
    const rates = h('section', { id: 'cohort-rates' });
    fill(
      view,
      h(
        'div',
        { class: 'toolbar' },
        facetSelect(facet),
        h(
          'span',
          { class: 'hint' },
          "A recipient's cohort on a day comes from their opens and clicks before that day.",
        ),
      ),
      h('section', {}, h('h2', {}, 'Sends by cohort on the last day'), sizes),
      h('section', {}, h('h2', {}, 'Share of sends per cohort'), chart),
      rates,
    );
    return async () => {
      const params = signalsParams({ limit: 20 });
      const get = (report: string) => api<Data>(`/api/v1/signals/${report}/${facet.path}`, params);
      const [sizeData, eng, unsub, fbl] = await Promise.all([
        get('cohort-engagement'),
        get('eng-cohort'),
        get('unsub-cohort'),
        get('fbl-cohort'),
      ]);
      const rows = sizeData.results.data;
      const key = (r: Record<string, unknown>) => String(r[facet.signalsKey]);
      const selected = param('selected') || (rows[0] ? key(rows[0]) : '');
      fill(
        sizes,
        sortableTable(
          'cohorts',
          [
            {
              key: 'value',
              label: facet.label,
              value: (r) => key(r),
              show: (r) => facetLabel(r[facet.signalsKey]),
            },
            {
              key: 'c_total',
              label: 'Sends',
              numeric: true,
              value: (r) => num(r.current_c_total),
              show: (r) => fmt.int(num(r.current_c_total)),
            },
            ...COHORTS.map((c) => ({
              key: `c_${c.key}`,
              label: c.label,
              numeric: true,
              value: (r: Row) => num(r[`current_c_${c.key}`]),
              show: (r: Row) =>
                `${fmt.int(num(r[`current_c_${c.key}`]))} (${fmt.pct(num(r[`current_c_${c.key}`]) / num(r.current_c_total), 1)})`,
            })),
          ],
          rows,
          { rowKey: key, selected, onSelect: (r) => setParams({ selected: key(r) }) },
        ),
      );
      const row = rows.find((r) => key(r) === selected);
      if (!row) {
        chart.replaceChildren();
        rates.replaceChildren();
        return;
      }
      lineChart(chart, {
        step: 86400,
        xs: xsOf(row.history),
        series: COHORTS.map((c) => ({
          label: c.label,
          values: row.history.map((d) => (d.c_total ? (d[`c_${c.key}`] ?? 0) / d.c_total : null)),
        })),
        y: { min: 0, max: 1, format: (v) => fmt.pct(v, 0) },
      });
      const find = (data: Data): Record<string, unknown> =>
        data.results.data.find((r) => key(r) === selected) ?? {};
      const [e, u, f] = [find(eng), find(unsub), find(fbl)];
      fill(
        rates,
        h(
          'h2',
          {},
          `Rates by cohort for ${facetLabel(row[facet.signalsKey])} on ${row.history[row.history.length - 1]?.dt ?? ''}`,
        ),
        sortableTable(
          'rates',
          [
            { key: 'cohort', label: 'Cohort', value: (c) => c.label },
            {
              key: 'sends',
              label: 'Sends',
              numeric: true,
              value: (c) => num(row[`current_c_${c.key}`]),
              show: (c) => fmt.int(num(row[`current_c_${c.key}`])),
            },
            {
              key: 'eng',
              label: 'Engagement rate',
              numeric: true,
              value: (c) => num(e[`current_p_${c.key}_eng`]),
              show: (c) => fmt.pct(num(e[`current_p_${c.key}_eng`])),
            },
            {
              key: 'unsub',
              label: 'Unsubscribe rate',
              numeric: true,
              value: (c) => num(u[`current_p_${c.key}_unsub`]),
              show: (c) => fmt.pct(num(u[`current_p_${c.key}_unsub`])),
            },
            {
              key: 'fbl',
              label: 'Complaint rate',
              numeric: true,
              value: (c) => num(f[`current_p_${c.key}_fbl`]),
              show: (c) => fmt.pct(num(f[`current_p_${c.key}_fbl`])),
            },
          ],
          [{ key: 'total', label: 'All sends' }, ...COHORTS],
          { rowKey: (c) => c.key },
        ),
        h(
          'p',
          { class: 'hint' },
          "Rates are the share of the day's sends to that cohort whose message was opened or clicked, led to an unsubscribe, or was reported as spam, within two days of sending.",
        ),
      );
    };
  },
};
