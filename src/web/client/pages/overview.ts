// Signals overview: the health score per facet value over the range (chart and table), and for the
// selected value its components on the last day and why the score moved since the day before.
import { api } from '../api.js';
import { lineChart } from '../chart.js';
import { band, fill, fmt, h } from '../dom.js';
import { sortableTable } from '../table.js';
import { param, setParams } from '../url-state.js';
import { facetSelect } from './facet-select.js';
import { facetLabel, type Page, selectedFacet, signalsParams, xsOf } from './page.js';

interface Weight {
  weight_type: string;
  weight: string;
  weight_value: string;
}
interface HealthDay {
  dt: string;
  health_score: string | null;
  total_injection_count: number;
  weights: Weight[];
}
interface HealthRow extends Record<string, unknown> {
  current_health_score: string | null;
  current_total_injection_count: number;
  current_weights: Weight[];
  WoW: number | null;
  history: HealthDay[];
}
interface ModelComponent {
  weight_type: string;
  label: string;
  weight: number;
  explain: string;
}
interface Model {
  minimum_tracked_sends: number;
  components: ModelComponent[];
}

let model: Promise<Model> | undefined;

const score = (s: string | null) => (s === null ? null : Number(s));
const points = (w: Weight | undefined) => (w ? Number(w.weight) * 100 : 0);

/** The components that moved most between two days, biggest loss first. */
export function movers(
  before: HealthDay,
  after: HealthDay,
): Array<{ type: string; delta: number; from: number; to: number }> {
  return after.weights
    .map((w) => {
      const old = before.weights.find((b) => b.weight_type === w.weight_type);
      return {
        type: w.weight_type,
        delta: points(w) - points(old),
        from: Number(old?.weight_value ?? 0),
        to: Number(w.weight_value),
      };
    })
    .filter((m) => Math.abs(m.delta) >= 0.05)
    .sort((a, b) => a.delta - b.delta);
}

function scoreBadge(s: number | null) {
  return h('span', { class: `badge ${band(s)}` }, s === null ? 'not enough sends' : fmt.score(s));
}

export const overview: Page = {
  title: 'Signals overview',
  mount(view) {
    const facet = selectedFacet();
    const chart = h('div', { class: 'chart', id: 'health-chart' });
    const table = h('div', { id: 'health-table' });
    const detail = h('section', { id: 'health-detail' });
    fill(
      view,
      h(
        'div',
        { class: 'toolbar' },
        facetSelect(facet),
        h('span', { class: 'hint' }, 'Bands: 80 and up good, 55–80 needs work, below 55 bad'),
      ),
      h('section', {}, h('h2', {}, `Health score by ${facet.label.toLowerCase()}`), chart),
      h('section', {}, table),
      detail,
    );
    return async () => {
      model ??= api<{ results: Model }>('/api/v1/signals/health-score-model').then((b) => b.results);
      const params = signalsParams({ limit: 10 });
      const [health, traps, m] = await Promise.all([
        api<{ results: { data: HealthRow[] } }>(`/api/v1/signals/health-score/${facet.path}`, params),
        api<{ results: { data: Array<Record<string, unknown>> } }>(
          `/api/v1/signals/spam-hits/${facet.path}`,
          params,
        ),
        model,
      ]);
      const rows = health.results.data;
      const key = (r: Record<string, unknown>) => String(r[facet.signalsKey]);
      const trapHits = new Map(traps.results.data.map((r) => [key(r), Number(r.current_trap_hits)]));
      const selected = param('selected') || (rows[0] ? key(rows[0]) : '');
      const xs = rows[0] ? xsOf(rows[0].history) : [];
      lineChart(chart, {
        step: 86400,
        xs,
        series: rows.slice(0, 8).map((r) => ({
          label: facetLabel(r[facet.signalsKey]),
          values: r.history.map((d) => (d.health_score === null ? null : Number(d.health_score) * 100)),
        })),
        y: { min: 0, max: 100, format: (v) => v.toFixed(0) },
        lines: [
          { value: 80, color: '#059669' },
          { value: 55, color: '#dc2626' },
        ],
      });
      const labelOf = (type: string) => m.components.find((c) => c.weight_type === type)?.label ?? type;
      const lastMove = (r: HealthRow) => {
        const [before, after] = r.history.slice(-2);
        return before && after ? movers(before, after)[0] : undefined;
      };
      fill(
        table,
        sortableTable(
          'health',
          [
            {
              key: 'value',
              label: facet.label,
              value: (r) => key(r),
              show: (r) => facetLabel(r[facet.signalsKey]),
            },
            {
              key: 'score',
              label: 'Health score',
              numeric: true,
              value: (r) => score(r.current_health_score),
              show: (r) => scoreBadge(score(r.current_health_score)),
            },
            {
              key: 'wow',
              label: 'Week over week',
              numeric: true,
              value: (r) => r.WoW,
              show: (r) => fmt.signedPct(r.WoW),
            },
            {
              key: 'sends',
              label: 'Sends',
              numeric: true,
              value: (r) => r.current_total_injection_count,
              show: (r) => fmt.int(r.current_total_injection_count),
            },
            { key: 'traps', label: 'Trap hits', numeric: true, value: (r) => trapHits.get(key(r)) ?? 0 },
            {
              key: 'moved',
              label: 'Moved most since the day before',
              value: (r) => lastMove(r)?.delta ?? null,
              show: (r) => {
                const move = lastMove(r);
                return move
                  ? `${labelOf(move.type)} ${move.delta > 0 ? '+' : ''}${move.delta.toFixed(1)}`
                  : '–';
              },
            },
          ],
          rows,
          {
            rowKey: key,
            selected,
            onSelect: (r) => setParams({ selected: key(r) }),
            empty: 'No sends in this range.',
          },
        ),
      );
      const row = rows.find((r) => key(r) === selected);
      fill(detail, ...(row ? details(facetLabel(row[facet.signalsKey]), row, m) : []));
    };
  },
};

function details(name: string, row: HealthRow, m: Model): Node[] {
  const days = row.history;
  const last = days[days.length - 1]!;
  const previous = days[days.length - 2];
  const moved = previous ? movers(previous, last) : [];
  const s = score(last.health_score);
  const drop =
    previous && s !== null && score(previous.health_score) !== null && s < Number(previous.health_score);
  const componentChart = h('div', { class: 'chart', id: 'components-chart' });
  const nodes: Node[] = [
    h('h2', {}, `${name} on ${last.dt}: `, scoreBadge(s)),
    h('h3', {}, drop ? 'Why did it drop?' : 'What moved since the day before'),
    moved.length
      ? h(
          'ul',
          { class: 'movers' },
          ...moved
            .slice(0, 3)
            .map((mv) =>
              h(
                'li',
                { 'data-component': mv.type },
                h('strong', {}, m.components.find((c) => c.weight_type === mv.type)?.label ?? mv.type),
                ` ${mv.delta > 0 ? '+' : ''}${mv.delta.toFixed(1)} points (${fmt.pct(mv.from)} → ${fmt.pct(mv.to)})`,
              ),
            ),
        )
      : h(
          'p',
          { class: 'hint' },
          previous ? 'No component moved by 0.05 points or more.' : 'No earlier day to compare with.',
        ),
    sortableTable(
      'components',
      [
        { key: 'component', label: 'Component', value: (c) => c.label, title: 'SparkPost weight_type' },
        { key: 'explain', label: 'What it measures', value: (c) => c.explain },
        {
          key: 'rate',
          label: 'Rate',
          numeric: true,
          value: (c) => rate(last, c),
          show: (c) => fmt.pct(rate(last, c)),
        },
        {
          key: 'points',
          label: 'Points',
          numeric: true,
          value: (c) => round(points(weight(last, c))),
          show: (c) => round(points(weight(last, c))).toFixed(1),
        },
        {
          key: 'max',
          label: 'Weight',
          numeric: true,
          value: (c) => c.weight * 100,
          show: (c) => `${(c.weight * 100).toFixed(0)}`,
        },
      ],
      m.components,
      { rowKey: (c) => c.weight_type },
    ),
    h('h3', {}, 'Points each component took over time'),
    componentChart,
    h(
      'p',
      { class: 'hint' },
      `A day scores only with at least ${fmt.int(m.minimum_tracked_sends)} sends with open tracking. See docs/health-score.md for the formula.`,
    ),
  ];
  queueMicrotask(() =>
    lineChart(componentChart, {
      step: 86400,
      xs: xsOf(days),
      series: m.components
        .filter((c) => days.some((d) => points(weight(d, c)) !== 0))
        .map((c) => ({ label: c.label, values: days.map((d) => round(points(weight(d, c)))) })),
      y: { format: (v) => v.toFixed(1) },
      height: 220,
    }),
  );
  return nodes;
}

const weight = (day: HealthDay, c: ModelComponent) =>
  day.weights.find((w) => w.weight_type === c.weight_type);
const rate = (day: HealthDay, c: ModelComponent) => Number(weight(day, c)?.weight_value ?? 0);
const round = (n: number) => Math.round(n * 10) / 10;
