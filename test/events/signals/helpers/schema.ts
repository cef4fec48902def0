// What SparkPost's ingest API takes, per ingest type, written from the reference (sparkpost-api.md
// §1.2–§1.9, §2.3–§2.4, §3) and not from the connector's code, so a field the connector forgets,
// misnames or mistypes fails here. Objects are strict: an unknown field is an error too.
import { z } from 'zod';

const decimal = z.string().regex(/^\d+$/, 'a decimal string');
const eventId = decimal.refine((v) => v.length <= 19 && BigInt(v) < 2n ** 63n, 'below 2^63');
const ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/);
const address = z.string().regex(/^[^@\s]*@[^@\s]+$/);
/** SparkPost's bounce classification codes (§3). */
const BOUNCE_CLASSES = [1, 10, 20, 21, 22, 23, 24, 25, 30, 40, 50, 51, 52, 53, 54, 60, 70, 80, 90, 100];
const bounceClass = decimal.refine((v) => BOUNCE_CLASSES.includes(Number(v)), 'a bounce class of §3');
const method = z.enum(['esmtp', 'smtp', 'rest', 'pickup']);
const flag = z.union([z.boolean(), z.enum(['0', '1'])]);

const common = {
  event_id: eventId,
  message_id: z.string().regex(/^[0-9a-f]{20}$/, "SparkPost's 20-hex message id"),
  custom_message_id: z
    .string()
    .max(512)
    .regex(/^[\x20-\x7e]+$/)
    .optional(),
  timestamp: decimal.refine((v) => v.length === 10, 'Unix seconds'),
  subaccount_id: z.number().int().nonnegative(),
  rcpt_to: address.refine((v) => v === v.toLowerCase(), 'lower-cased').optional(),
  raw_rcpt_to: address.optional(),
  rcpt_hash: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  rcpt_domain: z.string().min(1).optional(),
  campaign_id: z.string().min(1).optional(),
  friendly_from: address.optional(),
  msg_from: address.optional(),
  subject: z.string().optional(),
  injection_time: z.iso.datetime().optional(),
  binding: z.string().min(1).optional(),
  binding_group: z.string().min(1).optional(),
  ip_pool: z.string().min(1).optional(),
  sending_ip: ipv4.optional(),
};
const tracking = { open_tracking: flag.optional(), click_tracking: flag.optional() };
const attempt = {
  routing_domain: z.string().min(1),
  msg_size: decimal.optional(),
  recv_method: method.optional(),
  delv_method: method,
  num_retries: decimal,
  ip_address: ipv4.optional(),
};
const failure = {
  bounce_class: bounceClass,
  error_code: z.string().regex(/^[245]\d\d$/),
  raw_reason: z.string().min(1),
  reason: z.string().min(1),
};
const engagement = {
  ...common,
  ...tracking,
  routing_domain: z.string().min(1).optional(),
  msg_size: decimal.optional(),
  delv_method: method,
  ip_address: ipv4,
  user_agent: z.string().min(1),
};

const t = <T extends string>(type: T) => ({ type: z.literal(type) });

export const INGEST_SCHEMAS = {
  reception: z.strictObject({
    ...t('reception'),
    ...common,
    ...tracking,
    routing_domain: z.string(),
    msg_size: decimal,
    recv_method: method,
  }),
  delivery: z.strictObject({
    ...t('delivery'),
    ...common,
    ...tracking,
    ...attempt,
    queue_time: decimal,
    outbound_tls: z.enum(['0', '1', '-1']),
  }),
  inband: z.strictObject({ ...t('inband'), ...common, ...tracking, ...attempt, ...failure }),
  tempfail: z.strictObject({
    ...t('tempfail'),
    ...common,
    ...tracking,
    ...attempt,
    ...failure,
    queue_time: decimal,
    outbound_tls: z.enum(['0', '1', '-1']),
  }),
  // DEV-INGEST marks recv_method required on out-of-band events (§1.2).
  outofband: z.strictObject({
    ...t('outofband'),
    ...common,
    routing_domain: z.string(),
    msg_size: decimal.optional(),
    recv_method: method,
    delv_method: method,
    ...failure,
  }),
  feedback: z.strictObject({
    ...t('feedback'),
    ...common,
    routing_domain: z.string(),
    msg_size: decimal.optional(),
    delv_method: method,
    fbtype: z.string().regex(/^[a-z-]+$/),
    report_by: z.string().optional(),
  }),
  rejection: z.strictObject({
    ...t('rejection'),
    ...common,
    recv_method: method,
    remote_addr: ipv4.optional(),
    ...failure,
  }),
  initial_open: z.strictObject({ ...t('initial_open'), ...engagement }),
  open: z.strictObject({ ...t('open'), ...engagement }),
  click: z.strictObject({ ...t('click'), ...engagement, target_link_url: z.url() }),
} as const;

export type IngestTypeName = keyof typeof INGEST_SCHEMAS;

const GROUPING: Record<IngestTypeName, string> = {
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

/** Checks one NDJSON line; returns the event's fields, or throws naming what is wrong. */
export function checkIngestLine(line: string): Record<string, unknown> & { type: IngestTypeName } {
  const parsed = JSON.parse(line) as { msys?: Record<string, Record<string, unknown>> };
  const groupings = Object.keys(parsed.msys ?? {});
  if (Object.keys(parsed).length !== 1 || groupings.length !== 1)
    throw new Error(`not {"msys":{"<grouping>":{…}}}: ${line.slice(0, 200)}`);
  const grouping = groupings[0]!;
  const fields = parsed.msys![grouping]!;
  const type = fields.type as IngestTypeName;
  const schema = INGEST_SCHEMAS[type];
  if (!schema) throw new Error(`unknown ingest type ${String(type)}`);
  if (GROUPING[type] !== grouping) throw new Error(`${type} must be in ${GROUPING[type]}, found ${grouping}`);
  const result = schema.safeParse(fields);
  if (!result.success) throw new Error(`${type}: ${z.prettifyError(result.error)}\n${line}`);
  if ((fields.rcpt_to === undefined) === (fields.rcpt_hash === undefined))
    throw new Error(`${type}: exactly one of rcpt_to and rcpt_hash`);
  if ((fields.rcpt_hash === undefined) !== (fields.rcpt_domain === undefined))
    throw new Error(`${type}: rcpt_hash and rcpt_domain go together`);
  return fields as Record<string, unknown> & { type: IngestTypeName };
}
