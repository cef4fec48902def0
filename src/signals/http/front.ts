// Request handlers that answer before fastify: the tracking endpoint's pixel and click paths, where
// fastify's per-request routing, hooks and reply pipeline would cost more than the hit itself
// (bench/tracking). Everything a front handler declines goes to fastify as usual.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

/** Answers the request and returns true, or returns false to leave it to the next handler. */
export type FrontHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** A fastify `serverFactory`: the HTTP server fastify would build, with `front` asked first. */
export function frontServer(front: readonly FrontHandler[]): FastifyServerFactory {
  return (fastifyHandler, options) => {
    const server: Server = createServer((request, response) => {
      for (const handler of front) if (handler(request, response)) return;
      fastifyHandler(request, response);
    });
    // The timeouts fastify sets on the servers it builds itself (lib/server.js).
    server.keepAliveTimeout = options.keepAliveTimeout as number;
    server.requestTimeout = options.requestTimeout as number;
    server.setTimeout(options.connectionTimeout as number);
    return server;
  };
}
