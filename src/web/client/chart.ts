// Line charts over time with uPlot (small, fast with many points, canvas-drawn). Times are UTC.
// Optional horizontal reference lines (the health score's 55 and 80 bands).
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
}

export interface ChartOptions {
  /** Unix seconds. */
  xs: number[];
  series: ChartSeries[];
  height?: number;
  y?: { min?: number; max?: number; format?: (v: number) => string };
  lines?: Array<{ value: number; color: string }>;
  /** Seconds between points: daily series get one tick per day (or week), labelled by date. */
  step?: number;
}

const DAY = 86400;
const dateLabel = (ts: number) => new Date(ts * 1000).toISOString().slice(5, 10).replace('-', '/');

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const plots = new WeakMap<HTMLElement, uPlot>();

export function lineChart(el: HTMLElement, o: ChartOptions): void {
  plots.get(el)?.destroy();
  el.replaceChildren();
  const format = o.y?.format ?? ((v: number) => String(v));
  const opts: uPlot.Options = {
    width: Math.max(320, el.clientWidth || 800),
    height: o.height ?? 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { live: true },
    scales: {
      x: { time: true },
      y: o.y?.min !== undefined || o.y?.max !== undefined ? { range: [o.y?.min ?? 0, o.y?.max ?? 1] } : {},
    },
    axes: [
      (o.step ?? 0) >= DAY
        ? { incrs: [DAY, 7 * DAY, 28 * DAY], values: (_u, splits) => splits.map(dateLabel) }
        : {},
      { values: (_u, splits) => splits.map((v) => format(v)), size: 60 },
    ],
    series: [
      {},
      ...o.series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: false,
        points: { show: o.xs.length < 60 },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
      })),
    ],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          for (const line of o.lines ?? []) {
            const y = u.valToPos(line.value, 'y', true);
            ctx.save();
            ctx.strokeStyle = line.color;
            ctx.setLineDash([6, 4]);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.restore();
          }
        },
      ],
    },
  };
  const plot = new uPlot(opts, [o.xs, ...o.series.map((s) => s.values)] as uPlot.AlignedData, el);
  plots.set(el, plot);
}

window.addEventListener('resize', () => {
  for (const el of document.querySelectorAll<HTMLElement>('.chart')) {
    const plot = plots.get(el);
    plot?.setSize({ width: Math.max(320, el.clientWidth), height: plot.height });
  }
});
