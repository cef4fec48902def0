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
import { failureReason } from './reason.js';
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

export function ingestTypeOf(type: EventType): IngestType | undefined {
  return EVENT_TYPES[type].ingest;
}

/** The NDJSON line (without the newline) for a selected event, or undefined for types Signals does not take. */
export function ingestLine(
  event: OutpostEvent,
  selected: Selected,
  eventId: string,
  options: IngestOptions,
): string | undefined {
  const type = ingestTypeOf(event.type);
  if (type === undefined) return undefined;
  const all = allFields(event, type, selected, eventId, options);
  const fields: Record<string, unknown> = {};
  for (const name of INGEST_FIELDS[type]) {
    const value = all[name];
    if (value !== undefined && value !== '') fields[name] = value;
  }
  return JSON.stringify({ msys: { [GROUPING[type]]: fields } });
}

function allFields(
  e: OutpostEvent,
  type: IngestType,
  { route, subaccountId }: Selected,
  eventId: string,
  options: IngestOptions,
): Record<string, unknown> {
  const track = TRACK_TYPES.has(e.type);
  const hashed = options.privacy === 'sha1';
  const failure = FAILURE_TYPES.has(type) ? failureReason(e, hashed) : {};
  const rcpt = e.rcpt.toLowerCase();
  const domain = rcpt.slice(rcpt.lastIndexOf('@') + 1);
  return {
    type,
    event_id: eventId,
    message_id: e.messageId,
    custom_message_id: customMessageId(e, options.customMessageIdHeader),
    timestamp: String(Math.floor(e.timeLogged / 1000)),
    subaccount_id: subaccountId,
    rcpt_to: hashed ? undefined : rcpt,
    raw_rcpt_to: hashed ? undefined : e.rcpt,
    // privacy-policy sha1: SHA-1 of the lower-cased recipient, hex as in SparkPost's documentation
    // sample; rcpt_hash and rcpt_domain travel together or the event is rejected (§1.4).
    rcpt_hash: hashed ? createHash('sha1').update(rcpt).digest('hex') : undefined,
    rcpt_domain: hashed ? domain : undefined,
    campaign_id: e.jobId,
    friendly_from: e.headerFrom,
    msg_from: e.orig || undefined,
    subject: e.subject,
    injection_time: e.timeQueued === undefined ? undefined : new Date(e.timeQueued).toISOString(),
    binding: route.binding,
    binding_group: route.bindingGroup,
    ip_pool: route.ipPool,
    sending_ip: e.dlvSourceIp || route.sourceIp,
    routing_domain: domain,
    msg_size: numberText(e.size ?? e.dlvSize),
    recv_method: e.srcType ? RECV_METHOD[e.srcType] : type === 'outofband' ? 'esmtp' : undefined,
    delv_method: deliveryMethod(e),
    num_retries: String(e.attempts ?? 0),
    queue_time: e.timeQueued === undefined ? undefined : String(Math.max(0, e.timeLogged - e.timeQueued)),
    ip_address: track ? e.ipAddress : e.dlvDestinationIp,
    outbound_tls: e.dlvTlsProtocol ? '1' : '0',
    open_tracking: e.openTracking ?? options.engagementTracking,
    click_tracking: e.clickTracking ?? options.engagementTracking,
    bounce_class: String(e.bounceClass ?? (type === 'rejection' ? 25 : 1)),
    error_code: failure.errorCode,
    raw_reason: failure.rawReason,
    reason: failure.reason,
    remote_addr: e.rcvSourceIp,
    fbtype: e.feedbackType?.toLowerCase(),
    report_by: e.reportingMta,
    user_agent: track ? e.userAgent : undefined,
    target_link_url: e.targetLinkUrl,
  };
}

/** `delv_method`: SMTP delivery is `esmtp` as SparkPost writes it (Outpost always tries EHLO first). */
function deliveryMethod(e: OutpostEvent): string {
  return e.dlvType && e.dlvType !== 'smtp' ? e.dlvType : 'esmtp';
}

function numberText(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** The custom-message-id-header value: at most 512 ASCII characters, else left out (UG50 §10.1.4.2). */
function customMessageId(e: OutpostEvent, header: string | undefined): string | undefined {
  const value = (e.customMessageId ?? (header ? headerValue(e, header.toLowerCase()) : undefined))?.trim();
  return value && value.length <= 512 && /^[\x20-\x7e]+$/.test(value) ? value : undefined;
}
