// Reads a Signals server's public APIs the way a user's script would: the Metrics API grouped by a
// facet, and every event of a window through the Events API's cursor. Shared by the scale-out test
// and bench/soak.
import { CLUSTER_KEY } from './cluster.js';

export const COUNTS = [
  'count_injected',
  'count_delivered',
  'count_bounce',
  'count_hard_bounce',
  'count_delayed',
  'count_spam_complaint',
  'count_rendered',
] as const;
export type CountMetric = (typeof COUNTS)[number];

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { authorization: CLUSTER_KEY } });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).concat('Z');

/** A window around now that covers the run (the metrics round it to whole hours). */
export function runWindow(startedAt: number): { from: string; to: string } {
  const from = Math.floor(startedAt / 1000) - 3600;
  return { from: iso(from), to: iso(Math.floor(Date.now() / 1000) + 3600) };
}

/** GET /api/v1/metrics/deliverability[/GROUP] → rows keyed by the group (or "all"). */
export async function metrics(
  baseUrl: string,
  window: { from: string; to: string },
  group?: 'campaign' | 'ip-pool' | 'sending-ip',
): Promise<Record<string, Record<CountMetric, number>>> {
  const path = group ? `/api/v1/metrics/deliverability/${group}` : '/api/v1/metrics/deliverability';
  const query = new URLSearchParams({ ...window, precision: 'hour', metrics: COUNTS.join(',') });
  const body = await getJson(`${baseUrl}${path}?${query}`);
  const key = group === 'campaign' ? 'campaign_id' : (group?.replace('-', '_') ?? '');
  const out: Record<string, Record<CountMetric, number>> = {};
  for (const row of body.results as Array<Record<string, number | string>>) {
    const name = group ? String(row[key]) : 'all';
    out[name] = Object.fromEntries(COUNTS.map((m) => [m, Number(row[m] ?? 0)])) as Record<
      CountMetric,
      number
    >;
  }
  return out;
}

export interface SearchedEvent {
  event_id: string;
  type: string;
  message_id: string;
  campaign_id?: string;
  ip_pool?: string;
  sending_ip?: string;
  rcpt_to?: string;
}

/** Every event of the window, following `links.next`; checks total_count against what came back. */
export async function allEvents(
  baseUrl: string,
  window: { from: string; to: string },
): Promise<SearchedEvent[]> {
  const events: SearchedEvent[] = [];
  let path: string | undefined =
    `/api/v1/events/message?${new URLSearchParams({ ...window, per_page: '10000' })}`;
  let total = -1;
  while (path) {
    const body = await getJson(`${baseUrl}${path}`);
    if (total < 0) total = Number(body.total_count);
    events.push(...(body.results as SearchedEvent[]));
    path = (body.links as { next?: string }).next;
  }
  if (events.length !== total)
    throw new Error(`events search: total_count ${total}, pages held ${events.length}`);
  return events;
}

/** Events per type. */
export function countByType(events: readonly SearchedEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}
