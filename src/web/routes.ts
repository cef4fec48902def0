// Serves the dashboard from the Signals server: the page shell at /dashboard/<page> and the built
// files (scripts/build-web.mjs) at /dashboard/assets/<file>. The files are read once at start and
// only names that exist there are served, so no part of a URL reaches the file system. The shell
// and the scripts hold no data: every number comes from the APIs with the signed-in key.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteModule } from '../signals/http/app.js';
import type { SignalsDeps } from '../signals/http/deps.js';

export const DASHBOARD_PAGES = ['overview', 'summary', 'events', 'engagement', 'integration'];

/** Where `npm install` (prepare) puts the built files: the same path from src/web and dist/web. */
export const DEFAULT_ASSETS = fileURLToPath(new URL('../../dist/web/assets/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

// Scripts and styles only from this server; the APIs are the only thing the page talks to.
// uPlot sizes its canvas with inline styles, hence 'unsafe-inline' for styles (not scripts).
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface DashboardOptions {
  assetsDir?: string;
}

export function dashboardRoutes(options: DashboardOptions = {}): RouteModule {
  return (app: FastifyInstance, deps: SignalsDeps) => {
    const dir = options.assetsDir ?? DEFAULT_ASSETS;
    const files = new Map<string, { type: string; body: Buffer }>();
    if (existsSync(dir)) {
      for (const name of readdirSync(dir)) {
        const type = TYPES[extname(name)];
        if (type) files.set(name, { type, body: readFileSync(join(dir, name)) });
      }
    }
    if (!files.has('index.html')) {
      deps.log.warn({ dir }, 'dashboard files are missing (run npm run build); /dashboard answers 503');
    }
    const send = (reply: FastifyReply, name: string) => {
      const file = files.get(name);
      reply.headers(SECURITY_HEADERS);
      if (!file) {
        const missing = name === 'index.html';
        return reply
          .status(missing ? 503 : 404)
          .type('text/plain; charset=utf-8')
          .send(missing ? 'The dashboard is not built: run npm run build.\n' : 'Not found\n');
      }
      return reply.type(file.type).send(file.body);
    };
    app.get('/dashboard', (_request, reply) => reply.redirect('/dashboard/'));
    app.get('/dashboard/', (_request, reply) => send(reply, 'index.html'));
    app.get('/dashboard/:page', (request, reply) => {
      const { page } = request.params as { page: string };
      return DASHBOARD_PAGES.includes(page) ? send(reply, 'index.html') : send(reply, '');
    });
    app.get('/dashboard/assets/:file', (request, reply) =>
      send(reply, (request.params as { file: string }).file),
    );
  };
}
