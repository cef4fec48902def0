// "Last upload from each MTA" for the integration screen. Batches do not say which MTA sent them
// (SparkPost's batch records carry no sender, reference sparkpost-api.md §1.6), so the server
// notes each accepted upload's client address and User-Agent as it answers, and reports the
// newest per sender with that batch's status. Kept in memory: after a restart the list fills
// again with the next uploads (connectors upload every minute).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignalsDeps } from '../http/deps.js';
import { renderBatch } from '../ingest/routes.js';

interface Source {
  address: string;
  user_agent: string;
  subaccount_id: number | null;
  first_upload: number;
  last_upload: number;
  uploads: number;
  last_batch_id: string;
}

const MAX_SOURCES = 1000;
const INGEST_PATH = '/api/v1/ingest/events';

export function registerUploaders(app: FastifyInstance, deps: SignalsDeps): void {
  const sources = new Map<string, Source>();

  const note = (request: FastifyRequest, payload: unknown) => {
    let id: unknown;
    try {
      id = (JSON.parse(String(payload)) as { results?: { id?: unknown } }).results?.id;
    } catch {
      return;
    }
    if (typeof id !== 'string') return;
    const agent = String(request.headers['user-agent'] ?? '').slice(0, 200);
    const key = `${request.ip} ${agent}`;
    const subaccount = deps.keys.authenticate(request, ['events/ingest']).subaccount ?? null;
    const at = deps.now();
    const source = sources.get(key) ?? {
      address: request.ip,
      user_agent: agent,
      subaccount_id: subaccount,
      first_upload: at,
      last_upload: at,
      uploads: 0,
      last_batch_id: id,
    };
    Object.assign(source, { last_upload: at, last_batch_id: id, subaccount_id: subaccount });
    source.uploads += 1;
    sources.delete(key);
    if (sources.size >= MAX_SOURCES) sources.delete(sources.keys().next().value!);
    sources.set(key, source);
  };

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'POST' && reply.statusCode === 200 && request.url.split('?')[0] === INGEST_PATH) {
      note(request, payload);
    }
    return payload;
  });

  app.get('/api/v1/ingest/uploaders', async (request) => {
    const auth = deps.keys.authenticate(request, ['events/ingest', 'signals/view']);
    const visible = [...sources.values()]
      .filter((s) => auth.subaccount === undefined || s.subaccount_id === auth.subaccount)
      .sort((a, b) => b.last_upload - a.last_upload);
    const base = deps.publicUrl ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
    const results = await Promise.all(
      visible.map(async (s) => {
        const batch = await deps.store.batchById(s.last_batch_id);
        return {
          ...s,
          first_upload: new Date(s.first_upload).toISOString(),
          last_upload: new Date(s.last_upload).toISOString(),
          // Null while the batch is still being processed.
          last_batch: batch ? renderBatch(batch, base) : null,
        };
      }),
    );
    return { results };
  });
}
