// GET /api/v1/metrics/deliverability and its group-bys, the time series and the value lists
// (reference sparkpost-api.md §5.1). Each request is one store aggregate over the window.
import type { FastifyInstance } from 'fastify';
import type { SignalsDeps } from '../http/deps.js';
import { invalidParam } from '../http/errors.js';
import { integer, list, type Query, single, time } from '../http/params.js';
import type { FacetColumn } from '../store/columns.js';
import { and, timeRange } from '../store/query.js';
import { METRICS, measuresFor, metricValue } from './definitions.js';
import { FILTER_COLUMNS, metricFilters } from './filters.js';
import {
  bucketStarts,
  bucketsFor,
  checkTimeZone,
  choosePrecision,
  isoInZone,
  offsetAt,
  PRECISIONS,
  type Precision,
  roundWindow,
} from './time.js';

const BASE = '/api/v1/metrics';

/** Group-by path → the store column and the key name in each result. */
const GROUP_BYS: Record<string, { column: FacetColumn; key: string }> = {
  domain: { column: 'recipient_domain', key: 'domain' },
  'sending-ip': { column: 'sending_ip', key: 'sending_ip' },
  'ip-pool': { column: 'ip_pool', key: 'ip_pool' },
  'sending-domain': { column: 'sending_domain', key: 'sending_domain' },
  subaccount: { column: 'subaccount_id', key: 'subaccount_id' },
  campaign: { column: 'campaign_id', key: 'campaign_id' },
  template: { column: 'template_id', key: 'template_id' },
  'mailbox-provider': { column: 'mailbox_provider', key: 'mailbox_provider' },
  'mailbox-provider-region': { column: 'mailbox_provider_region', key: 'mailbox_provider_region' },
};

/** The value lists: GET /api/v1/metrics/campaigns → {"results":{"campaigns":[…]}}. */
const LISTS: Record<string, FacetColumn> = {
  domains: 'recipient_domain',
  campaigns: 'campaign_id',
  templates: 'template_id',
  'sending-ips': 'sending_ip',
  'ip-pools': 'ip_pool',
  'sending-domains': 'sending_domain',
  'mailbox-providers': 'mailbox_provider',
  'mailbox-provider-regions': 'mailbox_provider_region',
};

const COMMON = new Set([
  'from',
  'to',
  'timezone',
  'precision',
  'metrics',
  'delimiter',
  'query_filters',
  'limit',
  'order_by',
  ...Object.keys(FILTER_COLUMNS),
]);

interface Window {
  from: number;
  to: number;
  timeZone: string;
  precision: Precision;
}

function window(query: Query, nowMs: number, allowed: readonly Precision[]): Window {
  for (const name of Object.keys(query))
    if (!COMMON.has(name)) throw invalidParam(name, `unknown parameter ${name}`);
  const timeZone = checkTimeZone(single(query, 'timezone') ?? 'UTC');
  const now = Math.floor(nowMs / 1000);
  if (single(query, 'from') === undefined) throw invalidParam('from', 'from is required');
  // A from/to without an offset is local time in the request's zone.
  const offset = (seconds: number) => offsetAt(timeZone, seconds);
  const from = time(query, 'from', 0, offset);
  const to = time(query, 'to', now, offset);
  if (from >= to) throw invalidParam('from', 'from must be before to');
  return { from, to, timeZone, precision: choosePrecision(single(query, 'precision'), from, to, allowed) };
}

function metricsOf(query: Query): string[] {
  const metrics = list(query, 'metrics');
  if (!metrics?.length) throw invalidParam('metrics', 'metrics is required');
  const unknown = metrics.find((m) => !(m in METRICS));
  if (unknown) throw invalidParam('metrics', `unknown metric "${unknown}"`);
  return [...new Set(metrics)];
}

function render(metrics: string[], values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(metrics.map((m) => [m, metricValue(m, values)]));
}

export function registerMetricsRoutes(app: FastifyInstance, deps: SignalsDeps): void {
  const aggregatePrecisions = PRECISIONS.filter((p) => !['12hr', 'week', 'month'].includes(p));

  /** Parses a request into its window, metrics and filter, rounding the window to the precision. */
  const prepare = (request: Parameters<typeof deps.keys.authenticate>[0], allowed: readonly Precision[]) => {
    const auth = deps.keys.authenticate(request, ['metrics/view']);
    const query = request.query as Query;
    const w = window(query, deps.now(), allowed);
    const metrics = metricsOf(query);
    const buckets = bucketsFor(w.precision, w.timeZone, w.from, w.to);
    const { from, to } = roundWindow(buckets, w.from, w.to);
    const where = and(timeRange(from, to), ...metricFilters(query, auth.subaccount));
    return { query, w, metrics, buckets, from, to, where };
  };

  app.get(`${BASE}/deliverability`, async (request) => {
    const { metrics, where } = prepare(request, aggregatePrecisions);
    const [row] = await deps.store.aggregate({ where, groupBy: [], measures: measuresFor(metrics) });
    return {
      results: [render(metrics, row?.values ?? {})],
      links: [{ href: `${BASE}/deliverability`, rel: 'deliverability', method: 'GET' }],
    };
  });

  app.get(`${BASE}/deliverability/time-series`, async (request) => {
    const { metrics, where, w, buckets, from, to } = prepare(request, PRECISIONS);
    const rows = await deps.store.aggregate({
      where,
      groupBy: [{ bucket: buckets.bucket }],
      measures: measuresFor(metrics),
    });
    const byStart = new Map(rows.map((r) => [r.keys[0] as number, r.values]));
    const zone = ['day', 'week', 'month'].includes(w.precision) ? 'UTC' : w.timeZone;
    const results = bucketStarts(buckets, from, to).map((start) => ({
      ts: isoInZone(start, zone),
      ...render(metrics, byStart.get(start) ?? zeroes(metrics)),
    }));
    return { results };
  });

  for (const [path, group] of Object.entries(GROUP_BYS)) {
    app.get(`${BASE}/deliverability/${path}`, async (request) => {
      const { metrics, where, query } = prepare(request, aggregatePrecisions);
      const orderBy = single(query, 'order_by') ?? metrics[0]!;
      if (!metrics.includes(orderBy))
        throw invalidParam('order_by', 'order_by must be one of the requested metrics');
      const measures = measuresFor(metrics);
      const rows = await deps.store.aggregate({ where, groupBy: [{ column: group.column }], measures });
      const results = rows.map((r) => ({ [group.key]: r.keys[0] ?? '', ...render(metrics, r.values) }));
      // Sorted here, not in SQL: derived metrics (count_accepted, …) are sums of measures.
      results.sort(
        (a, b) =>
          (b[orderBy] as number) - (a[orderBy] as number) ||
          String(a[group.key]).localeCompare(String(b[group.key])),
      );
      return { results: results.slice(0, integer(query, 'limit', 1000, 1, 10000)) };
    });
  }

  for (const [path, column] of Object.entries(LISTS)) {
    app.get(`${BASE}/${path}`, async (request) => {
      const auth = deps.keys.authenticate(request, ['metrics/view']);
      const query = request.query as Query;
      for (const name of Object.keys(query)) {
        if (!['from', 'to', 'timezone', 'match', 'limit'].includes(name))
          throw invalidParam(name, `unknown parameter ${name}`);
      }
      const now = Math.floor(deps.now() / 1000);
      const from = time(query, 'from', now - 86400);
      const to = time(query, 'to', now);
      const match = single(query, 'match');
      const rows = await deps.store.aggregate({
        where: and(
          timeRange(from, to),
          { column, present: true },
          match ? { column, contains: match } : undefined,
          auth.subaccount !== undefined ? { column: 'subaccount_id', in: [auth.subaccount] } : undefined,
        ),
        groupBy: [{ column }],
        measures: { n: { count: true } },
        orderBy: { key: 'n', desc: true },
        limit: integer(query, 'limit', 1000, 1, 10000),
      });
      return {
        results: {
          [path.replaceAll('-', '_')]: rows.map((r) => r.keys[0]).filter((v) => v !== null && v !== ''),
        },
      };
    });
  }
}

function zeroes(metrics: string[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const m of metrics) for (const need of METRICS[m]!.needs) values[need] = 0;
  return values;
}
