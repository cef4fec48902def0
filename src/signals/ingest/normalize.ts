// Turns one uploaded NDJSON line into a stored event, or says why it cannot be one. The rules are
// SparkPost's (reference sparkpost-api.md §1.2–1.4): the {"msys":{"<grouping>":{…}}} envelope,
// event_id, type, timestamp, message_id and a transport method required, ingest type names mapped
// to public ones, numbers accepted as strings, events older than 24 hours refused; plus ours: no
// events from the future (beyond a small clock skew), bounded sizes, and a subaccount key may only
// write its own subaccount.
import { type EventTypeInfo, typeFromIngest } from '../event-types.js';
import { COLUMNS, type StoredEvent } from '../store/columns.js';

export interface NormalizeContext {
  /** Unix seconds now. */
  now: number;
  customerId: number;
  /** Set when the key or the x-msys-subaccount header pins the batch to one subaccount. */
  subaccount?: number;
}

export const MAX_EVENT_AGE = 24 * 3600;
export const MAX_CLOCK_SKEW = 300;
const MAX_LINE = 256 * 1024;
const MAX_STRING = 8192;
const MAX_ID = 128;

export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
}

const fail = (message: string): never => {
  throw new InvalidEvent(message);
};

/** Required ids are stricter than free text. */
const ID_PATTERN = /^[\x21-\x7e]+$/;

function asString(name: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return fail(`${name} must be a string`);
  if (value.length > MAX_STRING) fail(`${name} is longer than ${MAX_STRING} characters`);
  return value;
}

function asInteger(name: string, value: unknown, max: number): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    return fail(`${name} must be a whole number from 0 to ${max}`);
  }
  return n;
}

function asBoolean(name: string, value: unknown): boolean | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  return fail(`${name} must be true or false`);
}

/** Unix seconds from a number, a numeric string, or (for injection_time) an ISO date. */
function asTime(name: string, value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const n = Math.floor(Number(value));
    if (n > 0 && n < 2 ** 32) return n;
  } else if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && ms > 0) return Math.floor(ms / 1000);
  }
  return fail(`${name} must be a Unix time in seconds`);
}

function envelope(line: string): { type: EventTypeInfo; fields: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return fail('not valid JSON');
  }
  const msys = (parsed as { msys?: unknown } | null)?.msys;
  if (typeof msys !== 'object' || msys === null || Array.isArray(msys))
    return fail('missing the "msys" wrapper');
  const groupings = Object.keys(msys);
  if (groupings.length !== 1) return fail('"msys" must hold exactly one event grouping');
  const grouping = groupings[0]!;
  const fields = (msys as Record<string, unknown>)[grouping];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    return fail(`"${grouping}" is not an object`);
  const typeName = (fields as { type?: unknown }).type;
  if (typeof typeName !== 'string' || typeName === '') return fail('missing required field type');
  const type = typeFromIngest(typeName) ?? fail(`unknown event type "${typeName}"`);
  if (type.grouping !== grouping) fail(`type "${typeName}" belongs in ${type.grouping}, not ${grouping}`);
  return { type, fields: fields as Record<string, unknown> };
}

function requiredId(fields: Record<string, unknown>, name: string): string {
  const value = asString(name, fields[name]);
  if (!value) return fail(`missing required field ${name}`);
  if (value.length > MAX_ID || !ID_PATTERN.test(value))
    fail(`${name} must be 1 to ${MAX_ID} printable characters`);
  return value;
}

function domainOf(address: string | undefined): string | undefined {
  const at = address?.lastIndexOf('@') ?? -1;
  return at >= 0 ? address!.slice(at + 1).toLowerCase() || undefined : undefined;
}

/** Column kind of each field name (a Map: measurably faster than a dictionary-mode object here);
 * fields of no column go to `extra`. */
const KINDS = new Map<string, string>([
  ...Object.entries(COLUMNS),
  ...['type', 'timestamp', 'event_id', 'customer_id', 'subaccount_id', 'rcpt_domain'].map(
    (n): [string, string] => [n, 'special'],
  ),
]);
KINDS.delete('extra');
KINDS.delete('ts');

/**
 * Validates one line and turns it into a stored event. For speed (this runs 100,000 times a second)
 * the parsed object itself becomes the event: fields are converted in place, and fields that are not
 * columns are set to undefined (never deleted, which would slow every later access) and moved to `extra`.
 */
export function normalizeLine(line: string, ctx: NormalizeContext): StoredEvent {
  if (line.length > MAX_LINE) fail(`event is larger than ${MAX_LINE} bytes`);
  const { type, fields } = envelope(line);
  const ts = asTime('timestamp', fields.timestamp) ?? fail('missing required field timestamp');
  if (ts > ctx.now + MAX_CLOCK_SKEW) fail('timestamp is in the future');
  if (ts < ctx.now - MAX_EVENT_AGE) fail('event is older than 24 hours');
  const subaccount = asInteger('subaccount_id', fields.subaccount_id, 2 ** 31) ?? ctx.subaccount ?? 0;
  if (ctx.subaccount !== undefined && subaccount !== ctx.subaccount) {
    fail(`subaccount_id ${subaccount} is not this key's subaccount ${ctx.subaccount}`);
  }
  const eventId = requiredId(fields, 'event_id');
  if (type.grouping !== 'gen_event') requiredId(fields, 'message_id');
  if (!fields.recv_method && !fields.delv_method) fail('missing required field recv_method or delv_method');
  const rcptDomain = fields.rcpt_domain;
  const uaParsed = fields.user_agent_parsed;
  let extra: Record<string, unknown> | undefined;
  for (const name in fields) {
    const value = fields[name];
    const kind = KINDS.get(name);
    if (kind === 'string') {
      if (typeof value !== 'string' || value.length > MAX_STRING || value === '')
        fields[name] = asString(name, value) || undefined;
    } else if (kind === 'special') continue;
    else if (kind === undefined || kind === 'json') {
      if (value !== undefined) {
        extra ??= {};
        extra[name] = value;
      }
      fields[name] = undefined;
    } else if (kind === 'bool') fields[name] = asBoolean(name, value);
    else if (kind === 'time') fields[name] = asTime(name, value);
    else fields[name] = asInteger(name, value, kind === 'u16' ? 65535 : 2 ** 32 - 1);
  }
  const event = fields as StoredEvent;
  event.ts = ts;
  event.type = type.name;
  event.event_id = eventId;
  event.customer_id = ctx.customerId;
  event.subaccount_id = subaccount;
  fields.timestamp = undefined;
  fields.rcpt_domain = undefined;
  if (extra) {
    if (JSON.stringify(extra).length > MAX_STRING * 8) fail('the event carries too much extra data');
    event.extra = extra;
  }
  derive(event, rcptDomain, uaParsed);
  return event;
}

/** The fields SparkPost derives: lower-cased recipient, domains, pool and IP fallbacks, prefetch flag. */
function derive(event: StoredEvent, rcptDomain: unknown, uaParsed: unknown): void {
  if (event.rcpt_hash || rcptDomain) {
    if (!event.rcpt_hash) fail('Missing rcpt_hash on event with rcpt_domain');
    const domain = asString('rcpt_domain', rcptDomain);
    if (!domain) fail('Missing rcpt_domain on event with rcpt_hash');
    event.recipient_domain = domain!.toLowerCase();
  }
  if (!event.rcpt_to && event.raw_rcpt_to) event.rcpt_to = event.raw_rcpt_to;
  if (event.rcpt_to) event.rcpt_to = event.rcpt_to.toLowerCase();
  event.recipient_domain ??= domainOf(event.rcpt_to);
  event.sending_domain ??= domainOf(event.friendly_from) ?? domainOf(event.msg_from);
  // PowerMTA names the VirtualMTA pool in binding_group; SparkPost reports it as the IP pool.
  event.ip_pool ??= event.binding_group;
  // "processing will fall back to the binding field if the sending_ip field is not present" (§1.2)
  event.sending_ip ??= event.binding;
  const parsed = uaParsed as { is_prefetched?: unknown } | undefined;
  if (event.prefetched === undefined && parsed && typeof parsed === 'object' && 'is_prefetched' in parsed) {
    event.prefetched = asBoolean('user_agent_parsed.is_prefetched', parsed.is_prefetched);
  }
}
