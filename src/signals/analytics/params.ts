// The parameters every Signals endpoint shares (reference sparkpost-api.md §6.2): the facet in the
// path, a range of whole UTC days (`from`, `to`, YYYY-MM-DD, both included), `filter` (a search in
// the facet's values), `limit`/`offset`/`order`/`order_by`, and the Metrics API's facet filters
// (campaigns, ip_pools, sending_ips, sending_domains, mailbox_providers, subaccounts).
import { invalidParam } from '../http/errors.js';
import { integer, list, oneOf, type Query, single, subaccountList } from '../http/params.js';
import type { RollupFacet } from '../store/cohorts.js';
import type { Condition } from '../store/query.js';

export const DAY = 86400;

export interface Facet {
  column: RollupFacet;
  /** The key each result row carries its facet value under (SparkPost's, where it has one). */
  key: string;
}

/** Path segment → facet. SparkPost's own names first; the dashboard's readable names beside them. */
const FACETS: Record<string, Facet> = {
  '': { column: 'subaccount_id', key: 'sid' },
  sid: { column: 'subaccount_id', key: 'sid' },
  subaccount: { column: 'subaccount_id', key: 'sid' },
  campaign_id: { column: 'campaign_id', key: 'campaign_id' },
  campaign: { column: 'campaign_id', key: 'campaign_id' },
  ip_pool: { column: 'ip_pool', key: 'ip_pool' },
  'ip-pool': { column: 'ip_pool', key: 'ip_pool' },
  sending_ip: { column: 'sending_ip', key: 'sending_ip' },
  'sending-ip': { column: 'sending_ip', key: 'sending_ip' },
  sending_domain: { column: 'sending_domain', key: 'sending_domain' },
  'sending-domain': { column: 'sending_domain', key: 'sending_domain' },
  mb_provider: { column: 'mailbox_provider', key: 'mb_provider' },
  'mailbox-provider': { column: 'mailbox_provider', key: 'mb_provider' },
};

export const FACET_NAMES = Object.keys(FACETS).filter((f) => f !== '');

/** Metrics API filter names (§5.2) → rollup columns. */
export const FACET_FILTERS: Record<string, RollupFacet> = {
  campaigns: 'campaign_id',
  ip_pools: 'ip_pool',
  sending_ips: 'sending_ip',
  sending_domains: 'sending_domain',
  mailbox_providers: 'mailbox_provider',
  subaccounts: 'subaccount_id',
};

const PARAMS = new Set([
  'from',
  'to',
  'filter',
  'limit',
  'offset',
  'order',
  'order_by',
  'delimiter',
  ...Object.keys(FACET_FILTERS),
]);

export interface SignalsRequest {
  facet: Facet;
  /** 00:00 UTC of the first day and of the day after the last, Unix seconds. */
  from: number;
  to: number;
  /** Conditions on the rollup's facet columns (filters, the key's subaccount). */
  filters: Condition[];
  limit: number;
  offset: number;
  order: 'asc' | 'desc';
  orderBy?: string;
}

export function facetOf(name: string): Facet {
  const facet = FACETS[name];
  if (!facet) throw invalidParam('facet', `facet must be one of ${FACET_NAMES.join(', ')} (or none)`);
  return facet;
}

function day(query: Query, name: string, fallback: number): number {
  const value = single(query, name);
  if (value === undefined) return fallback;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const seconds = match
    ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 1000
    : Number.NaN;
  if (!match || Number.isNaN(seconds) || new Date(seconds * 1000).toISOString().slice(0, 10) !== value) {
    throw invalidParam(name, `${name} must be a date, YYYY-MM-DD`);
  }
  return seconds;
}

/** Reads a Signals request; `nowMs` picks the default range (the 14 days ending today). */
export function signalsRequest(
  facetName: string,
  query: Query,
  nowMs: number,
  pinned: number | undefined,
): SignalsRequest {
  for (const name of Object.keys(query))
    if (!PARAMS.has(name)) throw invalidParam(name, `unknown parameter ${name}`);
  const facet = facetOf(facetName);
  const today = Math.floor(nowMs / 1000 / DAY) * DAY;
  const last = day(query, 'to', today);
  const from = day(query, 'from', last - 13 * DAY);
  if (from > last) throw invalidParam('from', 'from must not be after to');
  if (last - from > 366 * DAY) throw invalidParam('from', 'the range is at most 366 days');
  const filters: Condition[] = [];
  for (const [name, column] of Object.entries(FACET_FILTERS)) {
    if (column === 'subaccount_id') continue;
    const values = list(query, name);
    if (values) filters.push({ column, in: values });
  }
  let subaccounts = subaccountList(query);
  if (pinned !== undefined) subaccounts = (subaccounts ?? [pinned]).filter((s) => s === pinned);
  if (subaccounts) filters.push({ column: 'subaccount_id', in: subaccounts });
  const search = single(query, 'filter');
  if (search !== undefined) {
    if (facet.column !== 'subaccount_id') filters.push({ column: facet.column, contains: search });
    else if (/^\d{1,9}$/.test(search)) filters.push({ column: 'subaccount_id', in: [Number(search)] });
    else throw invalidParam('filter', 'filter must be a subaccount id for this facet');
  }
  return {
    facet,
    from,
    to: last + DAY,
    filters,
    limit: integer(query, 'limit', 20, 1, 1000),
    offset: integer(query, 'offset', 0, 0, 1_000_000),
    order: oneOf(query, 'order', ['asc', 'desc'] as const, 'desc'),
    orderBy: single(query, 'order_by'),
  };
}

/** YYYY-MM-DD of a day's start. */
export const dt = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
