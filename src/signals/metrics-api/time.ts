// Precision and time zones for the Metrics API (reference sparkpost-api.md §5.2). Buckets up to
// 12 hours follow the request's time zone, exactly across DST changes (the store gets the offset in
// force for each part of the range); day, week and month buckets are UTC, as SparkPost's are.
import { invalidParam } from '../http/errors.js';
import type { TimeBucket } from '../store/query.js';

export const PRECISIONS = ['1min', '5min', '15min', 'hour', '12hr', 'day', 'week', 'month'] as const;
export type Precision = (typeof PRECISIONS)[number];

const SIZE: Partial<Record<Precision, number>> = {
  '1min': 60,
  '5min': 300,
  '15min': 900,
  hour: 3600,
  '12hr': 43200,
  day: 86400,
};
const MAX_WINDOW: Partial<Record<Precision, number>> = {
  '1min': 86400,
  '5min': 86400,
  '15min': 2 * 86400,
  hour: 31 * 86400,
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function checkTimeZone(timeZone: string): string {
  try {
    formatter(timeZone);
    return timeZone;
  } catch {
    throw invalidParam('timezone', `unknown time zone "${timeZone}"`);
  }
}

/** Seconds east of UTC in force at `seconds` in the zone. */
export function offsetAt(timeZone: string, seconds: number): number {
  if (timeZone === 'UTC') return 0;
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(seconds * 1000))
      .map((p) => [p.type, p.value]),
  );
  const local =
    Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    ) / 1000;
  return local - seconds;
}

/** The offsets in force over [from, to): one entry per DST period, found to the second. */
export function offsetSegments(
  timeZone: string,
  from: number,
  to: number,
): Array<{ from: number; offset: number }> {
  const segments = [{ from: 0, offset: offsetAt(timeZone, from) }];
  let previous = from;
  for (let t = from + 3600; previous < to; t += 3600) {
    const at = Math.min(t, to);
    if (offsetAt(timeZone, at) !== segments[segments.length - 1]!.offset) {
      let [lo, hi] = [previous, at];
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(timeZone, mid) === segments[segments.length - 1]!.offset) lo = mid;
        else hi = mid;
      }
      segments.push({ from: hi, offset: offsetAt(timeZone, hi) });
    }
    previous = at;
  }
  return segments;
}

/** UTC month starts covering [from, to). */
function monthStarts(from: number, to: number): number[] {
  const d = new Date(from * 1000);
  const starts: number[] = [];
  for (let m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000; m < to; ) {
    starts.push(m);
    const n = new Date(m * 1000);
    m = Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + 1, 1) / 1000;
  }
  return starts;
}

export interface Buckets {
  bucket: TimeBucket;
  /** The start of the bucket holding `seconds` (the same rule the store applies). */
  startOf(seconds: number): number;
}

export function bucketsFor(precision: Precision, timeZone: string, from: number, to: number): Buckets {
  const size = SIZE[precision];
  if (size) {
    const offsets =
      precision === 'day' ? [{ from: 0, offset: 0 }] : offsetSegments(timeZone, from - 86400, to + 86400);
    const offsetOf = (s: number) => offsets.filter((o) => o.from <= s).pop()!.offset;
    return {
      bucket: { size, offsets },
      startOf: (s) => Math.floor((s + offsetOf(s)) / size) * size - offsetOf(s),
    };
  }
  if (precision === 'week') {
    return {
      bucket: { calendar: 'week' },
      startOf: (s) => {
        const day = Math.floor(s / 86400);
        return (day - ((day + 3) % 7)) * 86400;
      },
    };
  }
  const starts = monthStarts(from - 31 * 86400, to + 31 * 86400);
  return {
    bucket: { calendar: 'month', starts },
    startOf: (s) => starts.filter((m) => m <= s).pop() ?? starts[0]!,
  };
}

/** The start of the bucket after the one starting at `start` (days can be 23-25 h, months 28-31 days). */
export function nextStart(b: Buckets, start: number): number {
  let probe = start + 1;
  let next = b.startOf(probe);
  while (next <= start) {
    probe += 1800;
    next = b.startOf(probe);
  }
  return next;
}

/** Every bucket start in [from, to), for a series with no gaps. */
export function bucketStarts(b: Buckets, from: number, to: number): number[] {
  const starts: number[] = [];
  for (let start = b.startOf(from); start < to && starts.length < 50_000; start = nextStart(b, start))
    starts.push(start);
  return starts;
}

/** The window widened to whole buckets ("window bounds are rounded to the precision"). */
export function roundWindow(b: Buckets, from: number, to: number): { from: number; to: number } {
  const last = b.startOf(to);
  return { from: b.startOf(from), to: last === to ? to : nextStart(b, last) };
}

/** Checks the window against the precision's limit; picks the finest allowed when none is given. */
export function choosePrecision(
  given: string | undefined,
  from: number,
  to: number,
  allowed: readonly Precision[],
): Precision {
  const span = to - from;
  if (given === undefined)
    return allowed.find((p) => (MAX_WINDOW[p] ?? Number.POSITIVE_INFINITY) >= span) ?? 'day';
  if (!(allowed as readonly string[]).includes(given))
    throw invalidParam('precision', `precision must be one of ${allowed.join(', ')}`);
  const max = MAX_WINDOW[given as Precision];
  if (max !== undefined && span > max) {
    throw invalidParam('precision', `precision ${given} allows a window of at most ${max / 3600} hours`);
  }
  return given as Precision;
}

/** ISO 8601 with the zone's offset, as SparkPost writes series timestamps: 2020-10-04T00:00:00-04:00. */
export function isoInZone(seconds: number, timeZone: string): string {
  const offset = offsetAt(timeZone, seconds);
  const local = new Date((seconds + offset) * 1000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}+00:00`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}
