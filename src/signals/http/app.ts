// The Signals HTTP server: fastify with SparkPost-shaped errors everywhere, the ingest, events,
// metrics and Signals routes, and nothing else (the dashboard and tracking endpoint register their own routes
// on the same instance through `routes`).
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerSignalsRoutes } from '../analytics/routes.js';
import { registerEventsRoutes } from '../events-api/route.js';
import { registerIngestRoutes } from '../ingest/routes.js';
import { registerMetricsRoutes } from '../metrics-api/route.js';
import type { SignalsDeps } from './deps.js';
import { ApiError, errorBody, fromFastifyError } from './errors.js';
import { type FrontHandler, frontServer } from './front.js';

export type RouteModule = (app: FastifyInstance, deps: SignalsDeps) => void;

/** `front`: handlers that answer their requests before fastify routes them (front.ts). */
export function buildSignalsApp(
  deps: SignalsDeps,
  routes: readonly RouteModule[] = [],
  front: readonly FrontHandler[] = [],
): FastifyInstance {
  const app: FastifyInstance = Fastify({
    serverFactory: frontServer(front),
    // Per-request lines are info; uploads every few seconds would drown the operator's log.
    loggerInstance: deps.log.child({ component: 'signals-http' }, { level: 'warn' }) as FastifyBaseLogger,
  });
  app.setErrorHandler((error, request, reply) => {
    const api =
      error instanceof ApiError ? error : fromFastifyError(error as { code?: string; message: string });
    if (api.status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.status(api.status).send(errorBody(api));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(
      'not_found',
      'Not found',
      `no resource at ${request.method} ${request.url.split('?')[0]}`,
    );
    return reply.status(404).send(errorBody(error));
  });
  registerIngestRoutes(app, deps);
  registerEventsRoutes(app, deps);
  registerMetricsRoutes(app, deps);
  registerSignalsRoutes(app, deps);
  for (const route of routes) route(app, deps);
  return app;
}
