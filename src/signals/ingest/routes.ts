// The ingest endpoints (reference sparkpost-api.md §1.1–1.6): the upload itself, the batch status
// list and the failed-events download.
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignalsDeps } from '../http/deps.js';
import { ApiError, invalidParam } from '../http/errors.js';
import {
  decodeCursor,
  encodeCursor,
  integer,
  list,
  type Query,
  single,
  subaccountList,
  time,
  withCursor,
} from '../http/params.js';
import type { BatchQuery, BatchRecord, BatchStatus } from '../store/types.js';

/** SparkPost's request limit ("5 MB"; its own client treats it as 5 MiB). */
export const MAX_BODY = 5 * 1024 * 1024;
const ERROR_TYPES = ['validation', 'system', 'decompress', 'duplicate_batch', 'empty_batch'] as const;

export function registerIngestRoutes(app: FastifyInstance, deps: SignalsDeps): void {
  app.register(async (scope) => {
    // The body is gzip whatever Content-Type says: take it as bytes, never parse it here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/api/v1/ingest/events', async (request, reply) => {
      const auth = deps.keys.authenticate(request, ['events/ingest']);
      const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase();
      if (encoding !== 'gzip') {
        throw new ApiError(
          'unsupported_media_type',
          'Unsupported media type',
          'send the batch gzip-compressed with Content-Encoding: gzip',
        );
      }
      if (deps.pipeline.overloaded) {
        reply.header('retry-after', '5');
        throw new ApiError(
          'rate_limited',
          'Too many requests',
          'the ingest backlog is full; retry in a few seconds',
        );
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let id: string;
      try {
        id = await deps.pipeline.accept(body, { customerId: deps.customerId, subaccount: auth.subaccount });
      } catch (error) {
        deps.log.error({ err: error }, 'could not journal an uploaded batch');
        throw new ApiError('system_error', 'Internal error', 'the batch could not be stored; retry it');
      }
      return { results: { id } };
    });
  });

  app.get('/api/v1/events/ingest', async (request) => {
    const auth = deps.keys.authenticate(request, ['events/ingest', 'signals/view']);
    const query = batchQuery(request.query as Query, deps.now(), auth.subaccount);
    const [records, total] = await Promise.all([
      deps.store.batches(query),
      deps.store.countBatches({ ...query, after: undefined }),
    ]);
    const results = records.map((r) => renderBatch(r, deps.publicUrl ?? origin(request)));
    const links: Record<string, string> = {};
    const last = records[records.length - 1];
    if (last && records.length === query.limit) {
      links.next = withCursor(
        '/api/v1/events/ingest',
        request.query as Query,
        encodeCursor([last.received_at, last.batch_id]),
      );
    }
    return { results, total_count: total, links };
  });

  app.get('/api/v1/ingest/events/failures/:batchId', async (request, reply) => {
    const auth = deps.keys.authenticate(request, ['events/ingest', 'signals/view']);
    const { batchId } = request.params as { batchId: string };
    const record = await deps.store.batchById(batchId);
    if (!record || (auth.subaccount !== undefined && record.subaccount_id !== auth.subaccount)) {
      throw new ApiError('not_found', 'Not found', `no batch ${batchId}`);
    }
    const failures = await deps.store.failures(batchId);
    const text = failures
      .map((f) => `${JSON.stringify({ line: f.line, error: f.reason, event: f.text })}\n`)
      .join('');
    reply.header('content-type', 'application/gzip');
    reply.header('content-disposition', `attachment; filename="${batchId}-failures.ndjson.gz"`);
    return reply.send(gzipSync(text));
  });
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

function batchQuery(query: Query, nowMs: number, pinned?: number): BatchQuery {
  const now = Math.floor(nowMs / 1000);
  const from = time(query, 'from', now - 86400) * 1000;
  const to = time(query, 'to', now + 1) * 1000;
  if (from >= to) throw invalidParam('from', 'from must be before to');
  const kinds = list(query, 'events') ?? ['success', 'error'];
  if (kinds.some((k) => k !== 'success' && k !== 'error'))
    throw invalidParam('events', 'events must list success and/or error');
  const errorTypes = list(query, 'error_types') ?? [...ERROR_TYPES];
  if (errorTypes.some((t) => !(ERROR_TYPES as readonly string[]).includes(t))) {
    throw invalidParam('error_types', `error_types must list ${ERROR_TYPES.join(', ')}`);
  }
  const retryable = single(query, 'retryable');
  if (retryable !== undefined && retryable !== 'true' && retryable !== 'false')
    throw invalidParam('retryable', 'retryable must be true or false');
  let statuses: BatchStatus[] = [
    ...(kinds.includes('success') ? (['success'] as const) : []),
    ...(kinds.includes('error') ? (errorTypes as BatchStatus[]) : []),
  ];
  // Only `system` errors are retryable: the others fail the same way every time.
  if (retryable === 'true') statuses = statuses.filter((s) => s === 'system');
  if (retryable === 'false') statuses = statuses.filter((s) => s !== 'system');
  let subaccounts = subaccountList(query);
  if (pinned !== undefined) subaccounts = (subaccounts ?? [pinned]).filter((s) => s === pinned);
  const after = decodeCursor(
    query,
    (v): v is [number, string] => Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string',
  );
  return {
    from,
    to,
    statuses,
    subaccounts,
    batchIds: list(query, 'batch_ids'),
    limit: integer(query, 'per_page', 1000, 1, 10000),
    after: after && { received_at: after[0], batch_id: after[1] },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A batch record as SparkPost's batch-status API shows it (UI fixture events/ingest/200.get.json). */
export function renderBatch(r: BatchRecord, base: string): Record<string, unknown> {
  const common = {
    batch_id: r.batch_id,
    event_id: r.batch_id,
    number_succeeded: r.number_succeeded,
    number_duplicates: r.number_duplicates,
    expiration_timestamp: iso(r.expires_at),
    customer_id: r.customer_id,
    subaccount_id: r.subaccount_id,
    timestamp: iso(r.received_at),
  };
  if (r.status === 'success') return { type: 'success', ...common };
  return {
    type: 'error',
    error_type: r.status,
    retryable: r.retryable,
    ...common,
    number_failed: r.number_failed,
    error_message: r.first_error,
    href: `${base.replace(/\/$/, '')}/api/v1/ingest/events/failures/${r.batch_id}`,
  };
}
