// One OutpostEvent → one line of SparkPost's ingest NDJSON: `{"msys":{"<grouping>":{…}}}` with the
// ingest type name (reception, delivery, inband, tempfail, outofband, feedback, rejection,
// initial_open, open, click) and the fields the reference lists for that type (sparkpost-api.md
// §1.2–§1.9, §2.3–§2.4). Numbers are strings as in SparkPost's own samples, except subaccount_id
// (an integer, as SparkPost's ingest examples send it) and the tracking flags (JSON booleans).
// Fields SparkPost fills in itself (recipient_domain, sending_domain, mailbox_provider, geo_ip) and
// the ones only its generation layer has (template, transmission, A/B test, rcpt_meta/tags) are left
// out; docs/signals-connector.md has the table.
import { createHash } from 'node:crypto';
import { EVENT_TYPES, type EventType, type OutpostEvent } from '../record.js';
import { type FailureReason, failureReason } from './reason.js';
import { headerValue, type Selected } from './selection.js';

export type IngestType = NonNullable<(typeof EVENT_TYPES)[EventType]['ingest']>;

const GROUPING: Record<IngestType, 'message_event' | 'track_event'> = {
  reception: 'message_event',
  delivery: 'message_event',
  inband: 'message_event',
  tempfail: 'message_event',
  outofband: 'message_event',
  feedback: 'message_event',
  rejection: 'message_event',
  initial_open: 'track_event',
  open: 'track_event',
  click: 'track_event',
};

/** Every type: the envelope's required fields, the recipient and what the message was. */
const COMMON = [
  'type',
  'event_id',
  'message_id',
  'custom_message_id',
  'timestamp',
  'subaccount_id',
  'rcpt_to',
  'raw_rcpt_to',
  'rcpt_hash',
  'rcpt_domain',
  'campaign_id',
  'friendly_from',
  'msg_from',
  'subject',
  'injection_time',
  'binding',
  'binding_group',
  'ip_pool',
  'sending_ip',
] as const;
const TRACKING = ['open_tracking', 'click_tracking'] as const;
const FAILURE = ['bounce_class', 'error_code', 'raw_reason', 'reason'] as const;
const ATTEMPT = [
  'routing_domain',
  'msg_size',
  'recv_method',
  'delv_method',
  'num_retries',
  'ip_address',
] as const;
const ENGAGEMENT = [
  ...COMMON,
  ...TRACKING,
  'routing_domain',
  'msg_size',
  'delv_method',
  'ip_address',
  'user_agent',
];

export const INGEST_FIELDS: Record<IngestType, readonly string[]> = {
  reception: [...COMMON, ...TRACKING, 'routing_domain', 'msg_size', 'recv_method'],
  delivery: [...COMMON, ...TRACKING, ...ATTEMPT, 'queue_time', 'outbound_tls'],
  inband: [...COMMON, ...TRACKING, ...ATTEMPT, ...FAILURE],
  tempfail: [...COMMON, ...TRACKING, ...ATTEMPT, ...FAILURE, 'queue_time', 'outbound_tls'],
  outofband: [...COMMON, 'routing_domain', 'msg_size', 'recv_method', 'delv_method', ...FAILURE],
  feedback: [...COMMON, 'routing_domain', 'msg_size', 'delv_method', 'fbtype', 'report_by'],
  rejection: [...COMMON, 'recv_method', 'remote_addr', ...FAILURE],
  initial_open: ENGAGEMENT,
  open: ENGAGEMENT,
  click: [...ENGAGEMENT, 'target_link_url'],
};

export interface IngestOptions {
  privacy: 'retain' | 'sha1';
  /** `<signals> engagement-tracking`: what open_tracking/click_tracking say when the event does not. */
  engagementTracking: boolean;
  customMessageIdHeader?: string;
}

const RECV_METHOD = { smtp: 'esmtp', api: 'rest', pickup: 'pickup' } as const;
const TRACK_TYPES = new Set<EventType>(['open', 'initial-open', 'click']);
const FAILURE_TYPES = new Set<IngestType>(['inband', 'tempfail', 'outofband', 'rejection']);

/** What every field of one event is computed from. */
interface Context {
  e: OutpostEvent;
  type: IngestType;
  selected: Selected;
  eventId: string;
  options: IngestOptions;
  rcpt: string;
  domain: string;
  hashed: boolean;
  track: boolean;
  failure: FailureReason;
}

type Value = string | number | boolean | undefined;

/** How each field is filled. A field without a value (undefined or '') is left out of the line. */
const FIELD: Record<string, (c: Context) => Value> = {
  event_id: (c) => c.eventId,
  message_id: (c) => c.e.messageId,
  custom_message_id: (c) => customMessageId(c.e, c.options.customMessageIdHeader),
  timestamp: (c) => String(Math.floor(c.e.timeLogged / 1000)),
  subaccount_id: (c) => c.selected.subaccountId,
  rcpt_to: (c) => (c.hashed ? undefined : c.rcpt),
  raw_rcpt_to: (c) => (c.hashed ? undefined : c.e.rcpt),
  // privacy-policy sha1: SHA-1 of the lower-cased recipient, hex as in SparkPost's documentation
  // sample; rcpt_hash and rcpt_domain travel together or the event is rejected (§1.4).
  rcpt_hash: (c) => (c.hashed ? createHash('sha1').update(c.rcpt).digest('hex') : undefined),
  rcpt_domain: (c) => (c.hashed ? c.domain : undefined),
  campaign_id: (c) => c.e.jobId,
  friendly_from: (c) => c.e.headerFrom,
  msg_from: (c) => c.e.orig,
  subject: (c) => c.e.subject,
  injection_time: (c) => (c.e.timeQueued === undefined ? undefined : isoTime(c.e.timeQueued)),
  binding: (c) => c.selected.route.binding,
  binding_group: (c) => c.selected.route.bindingGroup,
  ip_pool: (c) => c.selected.route.ipPool,
  sending_ip: (c) => c.e.dlvSourceIp || c.selected.route.sourceIp,
  routing_domain: (c) => c.domain,
  msg_size: (c) => numberText(c.e.size ?? c.e.dlvSize),
  // A remote bounce came back over SMTP; DEV-INGEST wants recv_method on out-of-band events (§1.2).
  recv_method: (c) => (c.e.srcType ? RECV_METHOD[c.e.srcType] : c.type === 'outofband' ? 'esmtp' : undefined),
  // SMTP delivery is `esmtp` as SparkPost writes it (Outpost always tries EHLO first).
  delv_method: (c) => (c.e.dlvType && c.e.dlvType !== 'smtp' ? c.e.dlvType : 'esmtp'),
  num_retries: (c) => String(c.e.attempts ?? 0),
  queue_time: (c) =>
    c.e.timeQueued === undefined ? undefined : String(Math.max(0, c.e.timeLogged - c.e.timeQueued)),
  ip_address: (c) => (c.track ? c.e.ipAddress : c.e.dlvDestinationIp),
  outbound_tls: (c) => (c.e.dlvTlsProtocol ? '1' : '0'),
  open_tracking: (c) => c.e.openTracking ?? c.options.engagementTracking,
  click_tracking: (c) => c.e.clickTracking ?? c.options.engagementTracking,
  bounce_class: (c) => String(c.e.bounceClass ?? (c.type === 'rejection' ? 25 : 1)),
  error_code: (c) => c.failure.errorCode,
  raw_reason: (c) => c.failure.rawReason,
  reason: (c) => c.failure.reason,
  remote_addr: (c) => c.e.rcvSourceIp,
  fbtype: (c) => c.e.feedbackType?.toLowerCase(),
  report_by: (c) => c.e.reportingMta,
  user_agent: (c) => (c.track ? c.e.userAgent : undefined),
  target_link_url: (c) => c.e.targetLinkUrl,
};

/** Per type: the quoted key and the filler of each field after `type`, in INGEST_FIELDS order. */
const PLAN = Object.fromEntries(
  Object.entries(INGEST_FIELDS).map(([type, names]) => [
    type,
    names.filter((n) => n !== 'type').map((name) => [`,"${name}":`, FIELD[name]!] as const),
  ]),
) as unknown as Record<IngestType, ReadonlyArray<readonly [string, (c: Context) => Value]>>;

export function ingestTypeOf(type: EventType): IngestType | undefined {
  return EVENT_TYPES[type].ingest;
}

/**
 * The NDJSON line (without the newline) for a selected event, or undefined for types Signals does
 * not take. Written field by field rather than through JSON.stringify of an object: this runs for
 * every event on the bus, and building the text directly is several times cheaper.
 */
export function ingestLine(
  event: OutpostEvent,
  selected: Selected,
  eventId: string,
  options: IngestOptions,
): string | undefined {
  const type = ingestTypeOf(event.type);
  if (type === undefined) return undefined;
  const rcpt = event.rcpt.toLowerCase();
  const hashed = options.privacy === 'sha1';
  const context: Context = {
    e: event,
    type,
    selected,
    eventId,
    options,
    rcpt,
    domain: rcpt.slice(rcpt.lastIndexOf('@') + 1),
    hashed,
    track: TRACK_TYPES.has(event.type),
    failure: FAILURE_TYPES.has(type) ? failureReason(event, hashed) : NO_FAILURE,
  };
  let fields = `"type":"${type}"`;
  for (const [key, fill] of PLAN[type]) {
    const value = fill(context);
    if (value === undefined || value === '') continue;
    fields += key + (typeof value === 'string' ? quote(value) : String(value));
  }
  return `{"msys":{"${GROUPING[type]}":{${fields}}}}`;
}

const NO_FAILURE: FailureReason = {};
/** What JSON must escape, plus lone surrogates (JSON.stringify writes those as \\uXXXX). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify for a string, without its cost for the common case of nothing to escape. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function numberText(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** The recipients of one message share its queue time: remember the last conversion. */
let lastIso = { ms: Number.NaN, text: '' };
function isoTime(ms: number): string {
  if (ms !== lastIso.ms) lastIso = { ms, text: new Date(ms).toISOString() };
  return lastIso.text;
}

/** The custom-message-id-header value: at most 512 ASCII characters, else left out (UG50 §10.1.4.2). */
function customMessageId(e: OutpostEvent, header: string | undefined): string | undefined {
  const value = (e.customMessageId ?? (header ? headerValue(e, header.toLowerCase()) : undefined))?.trim();
  return value && value.length <= 512 && /^[\x20-\x7e]+$/.test(value) ? value : undefined;
}
