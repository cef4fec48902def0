// One POST to the ingest URL. Plain node:http/https with keep-alive: one connection carries every
// batch of a cycle, as curl or Go's client would. A timeout covers the whole exchange, because a
// receiver that accepts the connection and never answers must not hold the staged files forever.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SignalsError } from './errors.js';

export interface PostRequest {
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
}

export interface PostResponse {
  status: number;
  /** The start of the body, for the log. */
  body: string;
}

/** Resolves with any HTTP status; rejects with SignalsError SIGNALS_TIMEOUT or SIGNALS_NETWORK. */
export type HttpPost = (request: PostRequest) => Promise<PostResponse>;

const MAX_BODY = 64 * 1024;

export function createHttpPost(): { post: HttpPost; close(): void } {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 2 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 2 }),
  };
  const post: HttpPost = ({ url, headers, body, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const https = url.protocol === 'https:';
      const send = https ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'POST',
        agent: https ? agents['https:'] : agents['http:'],
        headers: { ...headers, 'Content-Length': String(body.length) },
      });
      const timer = setTimeout(() => {
        req.destroy(new SignalsError('SIGNALS_TIMEOUT', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY);
          resolve({ status: res.statusCode ?? 0, body: text });
        });
        res.on('error', (error) => req.destroy(error));
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(
          error instanceof SignalsError
            ? error
            : new SignalsError('SIGNALS_NETWORK', error.message, { cause: error }),
        );
      });
      req.end(body);
    });
  return {
    post,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
