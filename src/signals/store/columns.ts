// The columns of the events table: one list both engines create their schema from, the ingest
// normalizer fills and the Events API renders. Every scalar field SparkPost documents for an event
// (reference sparkpost-api.md §2.3) is a column, so reports and filters never parse JSON; nested or
// unknown fields (rcpt_meta, rcpt_tags, geo_ip, Momentum extras) travel in `extra`.
import type { EventTypeName } from '../event-types.js';

export type ColumnKind = 'time' | 'type' | 'string' | 'u16' | 'u32' | 'bool' | 'json';

export const COLUMNS = {
  ts: 'time',
  type: 'type',
  event_id: 'string',
  message_id: 'string',
  customer_id: 'u32',
  subaccount_id: 'u32',
  rcpt_to: 'string',
  raw_rcpt_to: 'string',
  rcpt_hash: 'string',
  rcpt_type: 'string',
  recipient_domain: 'string',
  routing_domain: 'string',
  msg_from: 'string',
  friendly_from: 'string',
  sending_domain: 'string',
  mailfrom: 'string',
  subject: 'string',
  campaign_id: 'string',
  template_id: 'string',
  template_version: 'string',
  transmission_id: 'string',
  ab_test_id: 'string',
  ab_test_version: 'string',
  ip_pool: 'string',
  sending_ip: 'string',
  binding: 'string',
  binding_group: 'string',
  ip_address: 'string',
  remote_addr: 'string',
  mailbox_provider: 'string',
  mailbox_provider_region: 'string',
  bounce_class: 'u16',
  error_code: 'string',
  reason: 'string',
  raw_reason: 'string',
  num_retries: 'u16',
  queue_time: 'u32',
  msg_size: 'u32',
  injection_time: 'time',
  outbound_tls: 'string',
  delv_method: 'string',
  recv_method: 'string',
  fbtype: 'string',
  report_by: 'string',
  report_to: 'string',
  user_agent: 'string',
  target_link_url: 'string',
  target_link_name: 'string',
  open_tracking: 'bool',
  click_tracking: 'bool',
  initial_pixel: 'bool',
  amp_enabled: 'bool',
  transactional: 'string',
  /** Opened through a mail-privacy proxy (Apple MPP, Google image proxy): the non-prefetched metrics skip it. */
  prefetched: 'bool',
  custom_message_id: 'string',
  extra: 'json',
} as const satisfies Record<string, ColumnKind>;

export type ColumnName = keyof typeof COLUMNS;
export const COLUMN_NAMES = Object.keys(COLUMNS) as ColumnName[];

type JsOf<K extends ColumnKind> = K extends 'string'
  ? string
  : K extends 'bool'
    ? boolean
    : K extends 'type'
      ? EventTypeName
      : K extends 'json'
        ? Record<string, unknown>
        : number;

/** One event as stored: times are Unix seconds, absent fields are left out. */
export type StoredEvent = { -readonly [C in ColumnName]?: JsOf<(typeof COLUMNS)[C]> } & {
  ts: number;
  type: EventTypeName;
  event_id: string;
  customer_id: number;
  subaccount_id: number;
};

/** Columns a report can group by (the Metrics API's group-bys and the Signals facets). */
export const FACET_COLUMNS = [
  'recipient_domain',
  'sending_ip',
  'ip_pool',
  'sending_domain',
  'subaccount_id',
  'campaign_id',
  'template_id',
  'mailbox_provider',
  'mailbox_provider_region',
  'bounce_class',
  'reason',
  'target_link_name',
  'target_link_url',
  'type',
] as const satisfies readonly ColumnName[];
export type FacetColumn = (typeof FACET_COLUMNS)[number];

const BOOL_COLUMNS = COLUMN_NAMES.filter((name) => COLUMNS[name] === 'bool');

/**
 * The event as one NDJSON line for ClickHouse's JSONEachRow loader: booleans as 0/1 and `extra` as
 * a JSON string, which it accepts unchanged. The event itself goes through one native
 * JSON.stringify, its few booleans and `extra` swapped for their loader form around the call and
 * put back: building a row object field by field cost three times as much, and this runs for every
 * ingested event.
 */
export function eventToRowJson(event: StoredEvent): string {
  const target = event as Record<string, unknown>;
  const swapped: Array<[string, unknown]> = [];
  for (const name of BOOL_COLUMNS) {
    const value = target[name];
    if (value === undefined) continue;
    swapped.push([name, value]);
    target[name] = value ? 1 : 0;
  }
  if (event.extra !== undefined) {
    swapped.push(['extra', event.extra]);
    target.extra = JSON.stringify(event.extra);
  }
  try {
    return JSON.stringify(event);
  } finally {
    for (const [name, value] of swapped) target[name] = value;
  }
}

/** Events in the loaders' NDJSON form (ClickHouse's staged events). */
export interface SerializedEvents {
  ndjson: string;
  count: number;
}

export function serializeEvents(events: readonly StoredEvent[]): SerializedEvents {
  const lines = events.map(eventToRowJson);
  lines.push('');
  return { ndjson: lines.join('\n'), count: events.length };
}
