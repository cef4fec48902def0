// The management API's routes: thin, each validates its input, checks the caller's access level,
// calls one verb of operations.ts and answers in PowerMTA's envelope (JSON, or XML with
// ?format=xml). Reads are GET and need `monitor`; commands are POST and need `operator` (delete:
// `admin`), plus the CSRF token or the API key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { allows, type Caller, type CsrfTokens, callerFor, type Level } from './access.js';
import { type Envelope, failure, success, xmlEnvelope } from './envelope.js';
import { commands, MgmtError, views } from './operations.js';
import type { RuntimeParts } from './parts.js';
import * as s from './schema.js';
import type { TrafficMeter } from './traffic.js';
import { renderMonitor } from './ui.js';
import type { ConnectionTops } from './views/status.js';
import { statusDocument } from './views/status.js';

export interface MgmtContext {
  parts: RuntimeParts;
  meter: TrafficMeter;
  tops: ConnectionTops;
  csrf: CsrfTokens;
  metrics(): Promise<{ contentType: string; text: string }>;
}

function send(request: FastifyRequest, reply: FastifyReply, envelope: Envelope, status = 200) {
  reply.status(status);
  if ((request.query as { format?: string }).format === 'xml') {
    return reply.type('application/xml; charset=utf-8').send(xmlEnvelope(envelope));
  }
  return reply.type('application/json; charset=utf-8').send(envelope);
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new MgmtError(400, s.problem(result.error));
  return result.data;
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Resolves the caller and refuses what their level (or a missing CSRF token) does not allow. */
function guard(ctx: MgmtContext, request: FastifyRequest, needed: Level): Caller {
  const config = ctx.parts.config();
  const ip = request.socket.remoteAddress ?? '';
  const caller = callerFor(config, ip, header(request, 'x-api-key'));
  if (!allows(caller, needed)) {
    throw new MgmtError(
      403,
      caller.level === 'none'
        ? `access denied for ${ip}`
        : `this needs ${needed} access (${ip} has ${caller.level})`,
    );
  }
  const changes = request.method === 'POST';
  if (
    changes &&
    config.global['http-csrf-protection'] &&
    !caller.byKey &&
    !ctx.csrf.valid(header(request, 'x-csrf-token'))
  ) {
    throw new MgmtError(403, 'missing or invalid X-CSRF-Token (GET /csrfToken) or X-API-Key');
  }
  return caller;
}

export function registerMgmtRoutes(app: FastifyInstance, ctx: MgmtContext): void {
  const { parts } = ctx;
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof MgmtError)
      return send(request, reply, failure(error.message, error.data), error.status);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'management request failed');
    return send(request, reply, failure(status >= 500 ? 'internal error' : (error as Error).message), status);
  });
  app.setNotFoundHandler((request, reply) =>
    send(request, reply, failure(`no such resource: ${request.url.split('?')[0]}`), 404),
  );

  registerReads(app, ctx);
  registerCommands(app, ctx);
  app.get('/metrics', async (request, reply) => {
    guard(ctx, request, 'monitor');
    const { contentType, text } = await ctx.metrics();
    return reply.type(contentType).send(text);
  });
  app.get('/', async (_request, reply) => reply.redirect('/ui'));
  app.get('/ui', async (request, reply) => {
    guard(ctx, request, 'monitor');
    return reply.type('text/html; charset=utf-8').send(renderMonitor(parts, ctx.meter, ctx.tops));
  });
}

/** The views (GET): monitor level, settings operator. */
function registerReads(app: FastifyInstance, ctx: MgmtContext): void {
  const { parts } = ctx;
  const get = (url: string, level: Level, handler: (request: FastifyRequest) => unknown) =>
    app.get(url, async (request, reply) => {
      guard(ctx, request, level);
      return send(request, reply, success(await handler(request)));
    });
  const list = (request: FastifyRequest) => parse(s.listQuery, request.query);
  get('/status', 'monitor', () => statusDocument(parts, ctx.meter, ctx.tops));
  get('/queues', 'monitor', (r) =>
    views.queues(parts, s.queueFilter(list(r)), s.listOptions(parts.config(), list(r))),
  );
  get('/queueDetail', 'monitor', (r) => views.queueDetail(parts, parse(s.queueParam, r.query).queue));
  get('/domains', 'monitor', (r) =>
    views.domains(parts, s.queueFilter(list(r)), s.listOptions(parts.config(), list(r))),
  );
  get('/domainDetail', 'monitor', (r) => views.domainDetail(parts, parse(s.domainParam, r.query).domain));
  get('/vmtas', 'monitor', (r) => views.vmtas(parts, s.listOptions(parts.config(), list(r))));
  get('/jobs', 'monitor', (r) => views.jobs(parts, s.listOptions(parts.config(), list(r))));
  get('/jobDetail', 'monitor', (r) => views.jobDetail(parts, parse(s.jobParam, r.query).jobid));
  get('/settings', 'operator', (r) => views.settings(parts, parse(s.queueParam, r.query).queue));
  get('/csrfToken', 'monitor', () => ({ token: ctx.csrf.issue() }));
}

/** The commands (POST): operator level, delete admin; each answers with PowerMTA's one-liner. */
function registerCommands(app: FastifyInstance, ctx: MgmtContext): void {
  const { parts } = ctx;
  const post = (
    url: string,
    level: Level,
    handler: (body: unknown) => unknown,
    message: (data: never) => string,
  ) =>
    app.post(url, async (request, reply) => {
      guard(ctx, request, level);
      const data = await handler({ ...(request.query as object), ...((request.body as object) ?? {}) });
      return send(request, reply, success(data, message(data as never)));
    });

  post(
    '/pauseQueue',
    'operator',
    (b) => commands.pauseQueue(parts, parse(s.queueParam, b).queue),
    (d: { matched: number }) => `paused ${d.matched} queue(s).`,
  );
  post(
    '/resumeQueue',
    'operator',
    (b) => commands.resumeQueue(parts, parse(s.queueParam, b).queue),
    (d: { matched: number }) => `resumed ${d.matched} queue(s).`,
  );
  post(
    '/pauseJob',
    'operator',
    (b) => commands.pauseJob(parts, parse(s.jobBody, b).jobId),
    () => 'paused job.',
  );
  post(
    '/resumeJob',
    'operator',
    (b) => commands.resumeJob(parts, parse(s.jobBody, b).jobId),
    () => 'resumed job.',
  );
  post(
    '/schedule',
    'operator',
    (b) => {
      const body = parse(s.scheduleBody, b);
      return commands.schedule(parts, body.queue, body.retryRecipients ?? false);
    },
    (d: { matched: number }) => `scheduled ${d.matched} queue(s).`,
  );
  post(
    '/delete',
    'admin',
    (b) => commands.delete(parts, parse(s.deleteBody, b)),
    (d: { deleted: number }) => `deleted ${d.deleted} recipient(s).`,
  );
  post(
    '/reload',
    'operator',
    () => commands.reload(parts),
    () => 'configuration reloaded.',
  );
  post(
    '/rotate',
    'operator',
    (b) => commands.rotate(parts, parse(s.rotateBody, b).what),
    (d: { rotated: string }) => `rotated ${d.rotated}.`,
  );
}
