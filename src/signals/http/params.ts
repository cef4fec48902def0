// Reading SparkPost-style query parameters: delimited lists, dates in the formats the Events and
// Metrics APIs document, bounded integers. Each failure names the parameter (400, invalid_params).
import { invalidParam } from './errors.js';

export type Query = Record<string, string | string[] | undefined>;

export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalidParam(name, `${name} was given more than once`);
  return value === '' ? undefined : value;
}

const MAX_LIST = 1000;

/** A delimited list (SparkPost's `delimiter` parameter, default comma), values trimmed, empties dropped. */
export function list(query: Query, name: string): string[] | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const delimiter = single(query, 'delimiter') ?? ',';
  const items = value
    .split(delimiter)
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (items.length > MAX_LIST) throw invalidParam(name, `${name} lists more than ${MAX_LIST} values`);
  if (items.some((v) => v.length > 1024))
    throw invalidParam(name, `a value of ${name} is longer than 1024 characters`);
  return items;
}

/**
 * A time: `YYYY-MM-DDTHH:MM` (Metrics API), `YYYY-MM-DDTHH:MM:ssZ` (Events API), or any ISO 8601
 * date-time with seconds, fraction and offset. Without an offset it is in `timeZoneOffset` (seconds).
 */
/**
 * Unix seconds from an ISO-like time. One without an offset is local time: `offsetAt` gives the
 * zone's offset (seconds east of UTC) at an instant, and the offset used is the one in force at the
 * time named, not now's (a window that starts before a DST change would otherwise be an hour off).
 */
export function time(
  query: Query,
  name: string,
  fallback: number,
  offsetAt: (seconds: number) => number = () => 0,
): number {
  const value = single(query, name);
  if (value === undefined) return fallback;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  if (!match) throw invalidParam(name, `${name} must look like YYYY-MM-DDTHH:MM:ssZ`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = match;
  let seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (Number.isNaN(seconds) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59) {
    throw invalidParam(name, `${name} is not a valid date`);
  }
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.replace(/[+:-]/g, '');
    seconds -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  } else if (!zone) {
    const local = seconds;
    seconds = local - offsetAt(local - offsetAt(local));
  }
  return Math.floor(seconds);
}

export function integer(query: Query, name: string, fallback: number, min: number, max: number): number {
  const value = single(query, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw invalidParam(name, `${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

export function oneOf<T extends string>(query: Query, name: string, allowed: readonly T[], fallback: T): T {
  const value = single(query, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw invalidParam(name, `${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function subaccountList(query: Query, name = 'subaccounts'): number[] | undefined {
  const values = list(query, name);
  if (!values) return undefined;
  if (values.some((v) => !/^\d{1,9}$/.test(v))) throw invalidParam(name, `${name} must list subaccount ids`);
  return values.map(Number);
}

/** Opaque paging cursor: base64url of a JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(query: Query, check: (value: unknown) => value is T): T | undefined {
  const text = single(query, 'cursor');
  if (text === undefined || text === 'initial') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw invalidParam('cursor', 'cursor is not one this server issued');
}

/** The request's query string with `cursor` replaced, for `links.next`. */
export function withCursor(path: string, query: Query, cursor: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === 'cursor' || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  params.set('cursor', cursor);
  return `${path}?${params.toString()}`;
}
