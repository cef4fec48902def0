// Small DOM and formatting helpers: the dashboard builds its pages from these, no framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | EventListener>;

/** Creates an element; `on*` attributes become listeners, `false`/`undefined` ones are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces an element's content. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

const integer = new Intl.NumberFormat('en-US');

export const fmt = {
  int: (n: number | null | undefined) => (n === null || n === undefined ? '–' : integer.format(n)),
  /** A fraction as a percentage. */
  pct: (f: number | null | undefined, digits = 2) =>
    f === null || f === undefined || !Number.isFinite(f) ? '–' : `${(f * 100).toFixed(digits)}%`,
  /** A 0-1 score as 0-100. */
  score: (f: number | null | undefined) => (f === null || f === undefined ? '–' : (f * 100).toFixed(1)),
  signedPct: (f: number | null | undefined) =>
    f === null || f === undefined ? '–' : `${f > 0 ? '+' : ''}${(f * 100).toFixed(1)}%`,
  time: (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'),
};

/** SparkPost's health-score bands: below 55 bad, 55-80 needs work, 80 and up good (§6.3). */
export function band(score: number | null): 'good' | 'warn' | 'bad' | 'none' {
  if (score === null) return 'none';
  return score >= 0.8 ? 'good' : score >= 0.55 ? 'warn' : 'bad';
}

/** YYYY-MM-DD of a Date in UTC. */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Unix seconds at 00:00 UTC of a YYYY-MM-DD day. */
export const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
