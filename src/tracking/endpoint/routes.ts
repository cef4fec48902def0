// The tracking endpoint: GET /o/TOKEN serves the open pixel, GET /c/TOKEN redirects to the link's
// target, and each authentic hit becomes an initial_open, open or click event. Anything else (a
// tampered, truncated or foreign token, a pixel token on the click path, another customer's token)
// is a 404 that records nothing and redirects nowhere. HEAD requests (link checkers) get the same
// answer without an event. Recording never delays or fails the response (recorder.ts).
//
// These are the Signals server's hottest paths (one hit per open and click of every message), so
// they are a plain Node request handler that answers before fastify sees the request
// (`FrontHandler`, installed by src/signals/http/front.ts): no routing, hooks, request and reply
// objects or promise chain per hit, and each response goes out in one write.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeySpec } from '../../config/index.js';
import { EventIdSource } from '../../events/signals/event-id.js';
import type { Logger } from '../../logging.js';
import type { FrontHandler } from '../../signals/http/front.js';
import { CLICK_SEGMENT, PIXEL_SEGMENT } from '../settings.js';
import { dayNumber, TrackingKeyring, type VerifiedToken } from '../token.js';
import { type TrackingEvent, type TrackingSigner, trackingEvent } from './event.js';

/** A transparent 1x1 GIF (42 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** The GIF as a latin1 string: Node joins a string body to the headers and sends both in one write. */
const PIXEL_BODY = PIXEL_GIF.toString('latin1');

// Fixed headers, built once. writeHead() stores the header block at once, so Content-Length must be
// given here (end() could no longer add it and would fall back to chunked encoding).
const PIXEL_HEADERS = {
  'content-type': 'image/gif',
  'content-length': String(PIXEL_GIF.length),
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
};
const NOT_FOUND_BODY = 'Not found\n';
const NOT_FOUND_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'content-length': String(NOT_FOUND_BODY.length),
  'cache-control': 'no-store',
};

export interface TrackingEndpointOptions {
  keyring: TrackingKeyring<TrackingSigner>;
  /** Tokens of other customers are foreign here. */
  customerId: number;
  recorder: { record(event: TrackingEvent): void };
  log: Logger;
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

const PIXEL_PREFIX = `/${PIXEL_SEGMENT}/`;
const CLICK_PREFIX = `/${CLICK_SEGMENT}/`;

/** The token in a request path after its prefix: the query string dropped, percent-escapes undone. */
function tokenOf(url: string, prefixLength: number): string | undefined {
  const query = url.indexOf('?', prefixLength);
  const raw = query < 0 ? url.slice(prefixLength) : url.slice(prefixLength, query);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** GET and HEAD on /o/* and /c/*; every other request is left to fastify. */
export function trackingHandler(options: TrackingEndpointOptions): FrontHandler {
  const endpoint = new TrackingHits(options);
  return (request, response) => {
    const url = request.url ?? '';
    const click = url.startsWith(CLICK_PREFIX);
    if (!click && !url.startsWith(PIXEL_PREFIX)) return false;
    const get = request.method === 'GET';
    if (!get && request.method !== 'HEAD') return false;
    try {
      const token = tokenOf(url, click ? CLICK_PREFIX.length : PIXEL_PREFIX.length);
      endpoint.answer(request, response, token, click, get);
    } catch (error) {
      // A bug here must not take the server down; fastify would have answered 500 too.
      options.log.error({ err: error, url }, 'tracking request failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
    return true;
  };
}

/** Verifies and records hits and writes the answers. */
class TrackingHits {
  private readonly now: () => number;
  private readonly ids = new EventIdSource();
  private readonly maxAge: number;

  constructor(private readonly options: TrackingEndpointOptions) {
    this.now = options.now ?? Date.now;
    this.maxAge = options.maxTokenAgeDays ?? 400;
  }

  answer(
    request: IncomingMessage,
    response: ServerResponse,
    raw: string | undefined,
    click: boolean,
    get: boolean,
  ) {
    const token = raw === undefined ? undefined : this.verify(raw, click);
    if (!token) return notFound(response);
    if (!click) {
      if (get) this.record(request, token);
      response.writeHead(200, PIXEL_HEADERS).end(PIXEL_BODY, 'latin1');
      return;
    }
    const target = redirectTarget(token.url);
    if (!target) return notFound(response);
    if (get) this.record(request, token);
    response.writeHead(302, { location: target, 'cache-control': 'no-store', 'content-length': '0' }).end();
  }

  /** The token's claims when it is authentic and meant for this path, else undefined. */
  private verify(raw: string, click: boolean): VerifiedToken<TrackingSigner> | undefined {
    const token = this.options.keyring.verify(raw);
    if (!token || (token.kind === 'click') !== click || token.customerId !== this.options.customerId)
      return undefined;
    return token;
  }

  private record(request: IncomingMessage, token: VerifiedToken<TrackingSigner>): void {
    const at = this.now();
    const today = dayNumber(at);
    if (token.issueDay < today - this.maxAge || token.issueDay > today + 1) return;
    const hit = {
      token,
      ip: request.socket.remoteAddress ?? '',
      userAgent: request.headers['user-agent'],
      now: at,
      eventId: this.ids.id(),
    };
    this.options.recorder.record(trackingEvent(hit));
  }
}

/**
 * Where a click goes: the signed URL as the WHATWG parser normalises it (which also percent-encodes
 * anything a Location header could not carry). It was checked to be http(s) when the message was
 * prepared; checked again here.
 */
function redirectTarget(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  return target.protocol === 'http:' || target.protocol === 'https:' ? target.href : undefined;
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, NOT_FOUND_HEADERS).end(NOT_FOUND_BODY);
}
