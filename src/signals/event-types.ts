// SparkPost's event types: the public name (webhooks, Events API, metrics), the ingest name the MTA
// uploads (Momentum/PowerMTA log names, reference sparkpost-api.md §1.3), and the envelope grouping.
// `code` is the stable small integer the embedded store keeps instead of the name; never renumber.

export const EVENT_TYPES = [
  { name: 'injection', ingest: 'reception', grouping: 'message_event', code: 1 },
  { name: 'delivery', ingest: 'delivery', grouping: 'message_event', code: 2 },
  { name: 'bounce', ingest: 'inband', grouping: 'message_event', code: 3 },
  { name: 'delay', ingest: 'tempfail', grouping: 'message_event', code: 4 },
  { name: 'out_of_band', ingest: 'outofband', grouping: 'message_event', code: 5 },
  { name: 'spam_complaint', ingest: 'feedback', grouping: 'message_event', code: 6 },
  { name: 'policy_rejection', ingest: 'rejection', grouping: 'message_event', code: 7 },
  { name: 'generation_failure', ingest: 'gen_fail', grouping: 'gen_event', code: 8 },
  { name: 'generation_rejection', ingest: 'gen_rejection', grouping: 'gen_event', code: 9 },
  { name: 'open', ingest: 'open', grouping: 'track_event', code: 10 },
  { name: 'initial_open', ingest: 'initial_open', grouping: 'track_event', code: 11 },
  { name: 'click', ingest: 'click', grouping: 'track_event', code: 12 },
  { name: 'amp_open', ingest: 'amp_open', grouping: 'track_event', code: 13 },
  { name: 'amp_initial_open', ingest: 'amp_initial_open', grouping: 'track_event', code: 14 },
  { name: 'amp_click', ingest: 'amp_click', grouping: 'track_event', code: 15 },
  { name: 'list_unsubscribe', ingest: 'list', grouping: 'unsubscribe_event', code: 16 },
  { name: 'link_unsubscribe', ingest: 'link', grouping: 'unsubscribe_event', code: 17 },
] as const;

export type EventTypeInfo = (typeof EVENT_TYPES)[number];
export type EventTypeName = EventTypeInfo['name'];
export type Grouping = EventTypeInfo['grouping'];

export const EVENT_TYPE_NAMES: readonly EventTypeName[] = EVENT_TYPES.map((t) => t.name);

const byName = new Map<string, EventTypeInfo>(EVENT_TYPES.map((t) => [t.name, t]));
const byIngest = new Map<string, EventTypeInfo>(EVENT_TYPES.map((t) => [t.ingest, t]));
const byCode = new Map<number, EventTypeInfo>(EVENT_TYPES.map((t) => [t.code, t]));

export function isEventTypeName(name: string): name is EventTypeName {
  return byName.has(name);
}

/** The type an uploaded event names: its ingest name, or (leniently) its public name. */
export function typeFromIngest(name: string): EventTypeInfo | undefined {
  return byIngest.get(name) ?? byName.get(name);
}

export function typeInfo(name: EventTypeName): EventTypeInfo {
  return byName.get(name)!;
}

export function typeFromCode(code: number): EventTypeInfo | undefined {
  return byCode.get(code);
}

/** Engagement and feedback events that SparkPost enriches from the message's injection (§1.7). */
export const ENRICHED_TYPES: ReadonlySet<EventTypeName> = new Set<EventTypeName>([
  'open',
  'initial_open',
  'click',
  'amp_open',
  'amp_initial_open',
  'amp_click',
  'list_unsubscribe',
  'link_unsubscribe',
  'spam_complaint',
  'out_of_band',
]);
