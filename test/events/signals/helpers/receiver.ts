// A real ingest endpoint for the tests: node:http on 127.0.0.1, port 0. It checks every request the
// way SparkPost's ingest API is specified (sparkpost-api.md §1.1): POST /api/v1/ingest/events,
// Content-Type application/x-ndjson, Content-Encoding gzip, Authorization = the key (else 401, as SparkPost), a gzip body of
// at most 5 MB of NDJSON, each line newline-terminated and valid for its type (schema.ts). Anything
// wrong is recorded in `problems` and answered 400, so tests assert `problems` is empty.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { checkIngestLine } from './schema.js';

export const INGEST_PATH = '/api/v1/ingest/events';
const MAX_UNCOMPRESSED = 5 * 1024 * 1024;

/** What to do with a request that passed the checks: answer, never answer, or cut the connection. */
export type Behaviour = { status: number; body?: string } | 'hang' | 'reset';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  compressedBytes: number;
  uncompressedBytes: number;
  events: Array<Record<string, unknown>>;
}

export class IngestReceiver {
  readonly events: Array<Record<string, unknown>> = [];
  readonly requests: ReceivedRequest[] = [];
  readonly problems: string[] = [];
  /** Requests refused with 401 because Authorization was not the key. */
  unauthorized = 0;
  /** Decides the answer per request; default 200 with a batch id, as SparkPost answers. */
  behaviour: (request: ReceivedRequest) => Behaviour = () => ({ status: 200 });
  private server: Server;
  private hanging = new Set<ServerResponse>();
  port = 0;

  private constructor(readonly apiKey: string) {
    this.server = this.createServer();
  }

  static async start(apiKey = 'a'.repeat(40)): Promise<IngestReceiver> {
    const receiver = new IngestReceiver(apiKey);
    await receiver.listen(0);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${INGEST_PATH}`;
  }

  /** Event ids seen more than once among acknowledged events. */
  duplicates(): string[] {
    const seen = new Set<string>();
    return this.events.map((e) => String(e.event_id)).filter((id) => seen.has(id) || !seen.add(id));
  }

  async listen(port: number): Promise<void> {
    this.server = port === 0 ? this.server : this.createServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Goes down: the port refuses connections until `listen(this.port)`. */
  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private createServer(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (req.headers.authorization !== this.apiKey) {
      this.unauthorized++;
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Unauthorized.' }] }));
      return;
    }
    const problems = this.check(req, body);
    let request: ReceivedRequest | undefined;
    if (problems.length === 0) {
      try {
        request = this.parse(req, body);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (!request) {
      this.problems.push(...problems);
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: problems.map((message) => ({ message })) }));
      return;
    }
    this.requests.push(request);
    const behaviour = this.behaviour(request);
    if (behaviour === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (behaviour === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behaviour.status >= 200 && behaviour.status < 300) this.events.push(...request.events);
    res.writeHead(behaviour.status, { 'Content-Type': 'application/json' });
    res.end(behaviour.body ?? JSON.stringify({ results: { id: randomUUID() } }));
  }

  private check(req: IncomingMessage, body: Buffer): string[] {
    const problems: string[] = [];
    const expect = (ok: boolean, what: string) => ok || problems.push(what);
    expect(req.method === 'POST', `method ${req.method}`);
    expect(req.url === INGEST_PATH, `path ${req.url}`);
    expect(
      req.headers['content-type'] === 'application/x-ndjson',
      `content-type ${req.headers['content-type']}`,
    );
    expect(req.headers['content-encoding'] === 'gzip', `content-encoding ${req.headers['content-encoding']}`);
    expect(Number(req.headers['content-length']) === body.length, 'content-length does not match the body');
    return problems;
  }

  private parse(req: IncomingMessage, body: Buffer): ReceivedRequest {
    const text = gunzipSync(body);
    if (text.length > MAX_UNCOMPRESSED) throw new Error(`request of ${text.length} bytes uncompressed`);
    const ndjson = text.toString('utf8');
    if (!ndjson.endsWith('\n')) throw new Error('last line without a newline');
    const lines = ndjson.slice(0, -1).split('\n');
    return {
      headers: req.headers,
      compressedBytes: body.length,
      uncompressedBytes: text.length,
      events: lines.map(checkIngestLine),
    };
  }
}
