// GET /api/v1/events/message (reference sparkpost-api.md §4): newest first, keyset cursor in
// `links.next`, `total_count` of everything that matches.
import type { FastifyInstance } from 'fastify';
import type { SignalsDeps } from '../http/deps.js';
import { invalidParam } from '../http/errors.js';
import { decodeCursor, encodeCursor, integer, type Query, time, withCursor } from '../http/params.js';
import { and, timeRange } from '../store/query.js';
import { searchFilters } from './filters.js';
import { renderEvent } from './render.js';

const PATH = '/api/v1/events/message';

const isCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string';

export function registerEventsRoutes(app: FastifyInstance, deps: SignalsDeps): void {
  app.get(PATH, async (request) => {
    const auth = deps.keys.authenticate(request, ['message_events/view']);
    const query = request.query as Query;
    const now = Math.floor(deps.now() / 1000);
    const from = time(query, 'from', now - 86400);
    const to = time(query, 'to', now - 60);
    if (from >= to) throw invalidParam('from', 'from must be before to');
    const perPage = integer(query, 'per_page', 1000, 1, 10000);
    const cursor = decodeCursor(query, isCursor);
    const where = and(timeRange(from, to), ...searchFilters(query, auth.subaccount));
    const after = cursor && { ts: cursor[0], event_id: cursor[1] };
    // One row more than the page tells whether a next page exists without an empty last page.
    const [rows, total] = await Promise.all([
      deps.store.search({ where, limit: perPage + 1, after }),
      deps.store.count(where),
    ]);
    const page = rows.slice(0, perPage);
    const links: Record<string, string> = {};
    const last = page[page.length - 1];
    if (rows.length > perPage && last)
      links.next = withCursor(PATH, query, encodeCursor([last.ts, last.event_id]));
    return { results: page.map(renderEvent), total_count: total, links };
  });
}
