// The tracking endpoint: GET /o/TOKEN serves the open pixel, GET /c/TOKEN redirects to the link's
// target, and each authentic hit becomes an initial_open, open or click event. Anything else (a
// tampered, truncated or foreign token, a pixel token on the click path, another customer's token)
// is a 404 that records nothing and redirects nowhere. HEAD requests (link checkers) get the same
// answer without an event. Recording never delays or fails the response (recorder.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeySpec } from '../../config/index.js';
import { EventIdSource } from '../../events/signals/event-id.js';
import { CLICK_SEGMENT, PIXEL_SEGMENT } from '../settings.js';
import { dayNumber, TrackingKeyring, type VerifiedToken } from '../token.js';
import { type TrackingEvent, type TrackingSigner, trackingEvent } from './event.js';

/** A transparent 1x1 GIF (42 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export interface TrackingEndpointOptions {
  keyring: TrackingKeyring<TrackingSigner>;
  /** Tokens of other customers are foreign here. */
  customerId: number;
  recorder: { record(event: TrackingEvent): void };
  /** Milliseconds since the epoch. */
  now?: () => number;
  /**
   * Days after sending that hits still record events (default 400). Older authentic links still
   * redirect, because the reader should get where the sender meant; they just are not counted.
   */
  maxTokenAgeDays?: number;
}

/** The keys whose holders may send tracked mail: those allowed to upload events. */
export function trackingKeyring(keys: readonly ApiKeySpec[]): TrackingKeyring<TrackingSigner> {
  const ring = new TrackingKeyring<TrackingSigner>();
  for (const key of keys) {
    if (key.grants.includes('events/ingest')) ring.add(key.key, { subaccount: key.subaccount });
  }
  return ring;
}

/** A wildcard, not a `:token` parameter: click tokens outgrow fastify's parameter length limit. */
interface TokenParams {
  '*': string;
}

export function registerTrackingRoutes(app: FastifyInstance, options: TrackingEndpointOptions): void {
  const now = options.now ?? Date.now;
  const ids = new EventIdSource();
  const maxAge = options.maxTokenAgeDays ?? 400;

  /** The token's claims when it is authentic and meant for this path, else undefined. */
  const verify = (request: FastifyRequest<{ Params: TokenParams }>, click: boolean) => {
    const token = options.keyring.verify(request.params['*']);
    if (!token || (token.kind === 'click') !== click || token.customerId !== options.customerId)
      return undefined;
    return token;
  };

  const record = (request: FastifyRequest, token: VerifiedToken<TrackingSigner>) => {
    const at = now();
    const today = dayNumber(at);
    if (request.method !== 'GET' || token.issueDay < today - maxAge || token.issueDay > today + 1) return;
    const userAgent = request.headers['user-agent'];
    options.recorder.record(trackingEvent({ token, ip: request.ip, userAgent, now: at, eventId: ids.id() }));
  };

  const notFound = (reply: FastifyReply) =>
    reply.code(404).header('cache-control', 'no-store').type('text/plain').send('Not found\n');

  app.get<{ Params: TokenParams }>(`/${PIXEL_SEGMENT}/*`, (request, reply) => {
    const token = verify(request, false);
    if (!token) return notFound(reply);
    record(request, token);
    return reply
      .header('cache-control', 'no-store, no-cache, must-revalidate, max-age=0')
      .header('pragma', 'no-cache')
      .type('image/gif')
      .send(PIXEL_GIF);
  });

  app.get<{ Params: TokenParams }>(`/${CLICK_SEGMENT}/*`, (request, reply) => {
    const token = verify(request, true);
    // The signed URL was checked to be http(s) when the message was prepared; URL() also
    // percent-encodes anything a Location header could not carry.
    const target = token?.url && URL.canParse(token.url) ? new URL(token.url) : undefined;
    if (!token || !target || (target.protocol !== 'http:' && target.protocol !== 'https:'))
      return notFound(reply);
    record(request, token);
    return reply.code(302).header('cache-control', 'no-store').header('location', target.href).send();
  });
}
