// The Events API's query parameters (reference sparkpost-api.md §4) as a store condition. Lists
// are ORed within a parameter and parameters ANDed; "keyword" parameters match whole tokens
// (`campaigns=blackfriday` finds `blackfriday-specials`, `friday` does not).
import { type EventTypeName, isEventTypeName } from '../event-types.js';
import { invalidParam } from '../http/errors.js';
import { list, type Query, subaccountList } from '../http/params.js';
import type { ColumnName } from '../store/columns.js';
import type { Condition } from '../store/query.js';

type Kind = 'exact' | 'lower' | 'keyword' | 'domain-keyword' | 'number';

const PARAMS: Record<string, { column: ColumnName; kind: Kind }> = {
  event_ids: { column: 'event_id', kind: 'exact' },
  recipients: { column: 'rcpt_to', kind: 'lower' },
  recipient_domains: { column: 'recipient_domain', kind: 'domain-keyword' },
  from_addresses: { column: 'friendly_from', kind: 'exact' },
  sending_domains: { column: 'sending_domain', kind: 'domain-keyword' },
  subjects: { column: 'subject', kind: 'keyword' },
  bounce_classes: { column: 'bounce_class', kind: 'number' },
  reasons: { column: 'reason', kind: 'keyword' },
  campaigns: { column: 'campaign_id', kind: 'keyword' },
  templates: { column: 'template_id', kind: 'keyword' },
  ip_pools: { column: 'ip_pool', kind: 'keyword' },
  sending_ips: { column: 'sending_ip', kind: 'exact' },
  messages: { column: 'message_id', kind: 'exact' },
  message_ids: { column: 'message_id', kind: 'exact' },
  transmissions: { column: 'transmission_id', kind: 'exact' },
  mailbox_providers: { column: 'mailbox_provider', kind: 'keyword' },
  mailbox_provider_regions: { column: 'mailbox_provider_region', kind: 'keyword' },
  ab_tests: { column: 'ab_test_id', kind: 'keyword' },
  ab_test_versions: { column: 'ab_test_version', kind: 'exact' },
};

export const EVENT_SEARCH_PARAMS = new Set([
  ...Object.keys(PARAMS),
  'events',
  'subaccounts',
  'from',
  'to',
  'cursor',
  'per_page',
  'delimiter',
]);

function filterFor(name: string, values: string[]): Condition {
  const { column, kind } = PARAMS[name]!;
  switch (kind) {
    case 'exact':
      return { column, in: values };
    case 'lower':
      return { column, in: values.map((v) => v.toLowerCase()) };
    case 'number':
      if (values.some((v) => !/^\d{1,5}$/.test(v))) throw invalidParam(name, `${name} must list numbers`);
      return { column, in: values.map(Number) };
    default:
      return { any: values.map((token) => ({ column, token, dots: kind === 'domain-keyword' })) };
  }
}

export function eventTypes(query: Query): EventTypeName[] | undefined {
  const types = list(query, 'events');
  if (!types) return undefined;
  const unknown = types.find((t) => !isEventTypeName(t));
  if (unknown) throw invalidParam('events', `unknown event type "${unknown}"`);
  return types as EventTypeName[];
}

/** Every filter parameter as one condition; `pinned` limits a subaccount key to its own data. */
export function searchFilters(query: Query, pinned: number | undefined): Condition[] {
  for (const name of Object.keys(query)) {
    if (!EVENT_SEARCH_PARAMS.has(name)) throw invalidParam(name, `unknown parameter ${name}`);
  }
  if (query.ab_test_versions !== undefined && query.ab_tests === undefined) {
    throw invalidParam('ab_test_versions', 'ab_test_versions requires ab_tests');
  }
  const conditions: Condition[] = [];
  const types = eventTypes(query);
  if (types) conditions.push({ column: 'type', in: types });
  for (const name of Object.keys(PARAMS)) {
    const values = list(query, name);
    if (values) conditions.push(filterFor(name, values));
  }
  let subaccounts = subaccountList(query);
  if (pinned !== undefined) subaccounts = (subaccounts ?? [pinned]).filter((s) => s === pinned);
  if (subaccounts) conditions.push({ column: 'subaccount_id', in: subaccounts });
  return conditions;
}
