// Value types of the PowerMTA configuration language (reference powermta.md §1.3).
// Every parser takes the already-unquoted text and either returns a typed value or throws a
// ConfigValueError whose message is shown to the user as `FILE:LINE: error: MESSAGE`.

export class ConfigValueError extends Error {}

const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

export function parseBoolean(text: string): boolean {
  switch (text.toLowerCase()) {
    case 'yes':
    case 'true':
      return true;
    case 'no':
    case 'false':
      return false;
    default:
      return fail(`invalid boolean "${text}" (expected yes, no, true or false)`);
  }
}

const INTERVAL_UNITS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/** A time interval in seconds: `1w2d12h`, `300s`, `10m`, or a bare number of seconds. */
export function parseInterval(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const parts = text.toLowerCase().match(/\d+[wdhms]/g);
  if (!parts || parts.join('') !== text.toLowerCase()) {
    return fail(`invalid time interval "${text}" (expected e.g. 10m, 4d12h, 300s)`);
  }
  return parts.reduce((sum, part) => sum + Number(part.slice(0, -1)) * INTERVAL_UNITS[part.slice(-1)]!, 0);
}

/** `never` is Infinity, so comparisons (`age > bounceAfter`) need no special case. */
export function parseIntervalOrNever(text: string): number {
  return text.toLowerCase() === 'never' ? Number.POSITIVE_INFINITY : parseInterval(text);
}

/** `10m,10m,1h`: up to 30 entries, the last one repeats (UG50 §10.15). */
export function parseIntervalList(text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length > 30) fail(`too many intervals (${items.length}; at most 30)`);
  return items.map(parseInterval);
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size in bytes; `unlimited` and `0` are Infinity where the directive allows it. */
export function parseSize(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'unlimited') return Number.POSITIVE_INFINITY;
  const match = lower.match(/^(\d+(?:\.\d+)?)([bkmgt]?)$/);
  if (!match) return fail(`invalid size "${text}" (expected e.g. 50M, 1G, 40K or unlimited)`);
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2] || 'b']!);
}

/** Same as parseSize, but 0 means "no limit" (max-message-size 0). */
export function parseSizeLimit(text: string): number {
  const size = parseSize(text);
  return size === 0 ? Number.POSITIVE_INFINITY : size;
}

const RATE_PERIODS: Record<string, number> = {
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  hr: 3600,
  d: 86400,
  day: 86400,
};

/** A rate: `count` events per `seconds`. Unlimited is count = Infinity. */
export interface Rate {
  count: number;
  seconds: number;
}

export const UNLIMITED_RATE: Rate = Object.freeze({ count: Number.POSITIVE_INFINITY, seconds: 1 });

function parsePeriod(text: string, original: string): number {
  const match = text.toLowerCase().match(/^(\d*)([a-z]+)$/);
  const unit = match ? RATE_PERIODS[match[2]!] : undefined;
  if (!match || unit === undefined) {
    return fail(`invalid rate "${original}" (expected e.g. 500/h, 83/10m, 1/min)`);
  }
  const multiplier = match[1] === '' ? 1 : Number(match[1]);
  if (multiplier === 0) fail(`invalid rate "${original}" (the period cannot be zero)`);
  return multiplier * unit;
}

/** `unlimited`, `0`, or `N/[M]{s,sec,m,min,h,hr,d,day}` (UG50 §3.3.10.33). */
export function parseRate(text: string): Rate {
  const lower = text.toLowerCase();
  if (lower === 'unlimited' || lower === '0') return UNLIMITED_RATE;
  const [count, period, extra] = lower.split('/');
  if (extra !== undefined || period === undefined || !/^\d+$/.test(count ?? '')) {
    return fail(`invalid rate "${text}" (expected e.g. 500/h, 83/10m, 1/min)`);
  }
  return { count: Number(count), seconds: parsePeriod(period, text) };
}

/** A volume rate: `10g/2h`, `1024K/15s` (bytes per period). */
export function parseVolumeRate(text: string): Rate {
  const lower = text.toLowerCase();
  if (lower === 'unlimited' || lower === '0') return UNLIMITED_RATE;
  const [size, period, extra] = lower.split('/');
  if (extra !== undefined || period === undefined || size === undefined) {
    return fail(`invalid volume rate "${text}" (expected e.g. 10g/2h)`);
  }
  return { count: parseSize(size), seconds: parsePeriod(period, text) };
}

export function parseInteger(
  text: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!/^-?\d+$/.test(text)) return fail(`invalid number "${text}"`);
  const value = Number(text);
  if (value < min || value > max) fail(`number ${value} out of range (${min}..${max})`);
  return value;
}

export function parseEnum<T extends string>(text: string, allowed: readonly T[]): T {
  const lower = text.toLowerCase() as T;
  if (!allowed.includes(lower)) fail(`invalid value "${text}" (expected one of: ${allowed.join(', ')})`);
  return lower;
}

/** A comma-separated list; empty items are dropped so `a, b,` reads as [a, b]. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const MAILBOX = /^[^\s@<>]+@[^\s@<>]+$/;

/** A plain mailbox address (no angle brackets); used for postmaster, backoff-notify and the like. */
export function parseEmail(text: string): string {
  if (!MAILBOX.test(text)) fail(`invalid e-mail address "${text}"`);
  return text;
}

/** `host:port` or `[ip]:port` for listeners; returns the host without brackets. */
export function parseHostPort(text: string): { host: string; port: number } {
  const match = text.match(/^(?:\[([^\]]+)\]|([^:\s]+|[0-9a-f:]+)):(\d+)$/i);
  if (!match) return fail(`invalid address "${text}" (expected IP:PORT)`);
  const port = Number(match[3]);
  if (port > 65535) fail(`invalid port ${port}`);
  return { host: match[1] ?? match[2]!, port };
}
