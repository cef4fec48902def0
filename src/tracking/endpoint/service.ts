// The tracking endpoint as the Signals server runs it: routes on the server's fastify instance, a
// recorder that never holds up a response, and a journaled writer into the server's event store
// that shares the ingest pipeline's enricher (so opens and clicks get the campaign, pool, subject…
// of their message's injection, sparkpost-api.md §1.7).
import type { ApiKeySpec } from '../../config/index.js';
import type { Logger } from '../../logging.js';
import type { Enricher } from '../../signals/enrich/enricher.js';
import type { FrontHandler } from '../../signals/http/front.js';
import { IngestJournal } from '../../signals/ingest/journal.js';
import type { EventStore } from '../../signals/store/types.js';
import { TrackingRecorder } from './recorder.js';
import { trackingHandler, trackingKeyring } from './routes.js';
import { TrackingStoreWriter } from './store-writer.js';

export interface TrackingEndpointSettings {
  /** Where hits wait for the store (kept across restarts). */
  journalDir: string;
  store: Pick<EventStore, 'ingest' | 'search'>;
  enricher: Pick<Enricher, 'enrich'>;
  /** The server's API keys: tokens signed with one that may upload events are accepted. */
  keys: readonly ApiKeySpec[];
  customerId: number;
  log: Logger;
  now?: () => number;
}

export class TrackingEndpoint {
  readonly recorder: TrackingRecorder;
  readonly writer: TrackingStoreWriter;

  constructor(private readonly settings: TrackingEndpointSettings) {
    this.writer = new TrackingStoreWriter({
      journal: new IngestJournal(settings.journalDir),
      store: settings.store,
      enricher: settings.enricher,
      log: settings.log,
    });
    this.recorder = new TrackingRecorder({ sink: this.writer, log: settings.log });
  }

  async start(): Promise<void> {
    await this.writer.start();
  }

  /** GET /o/TOKEN and GET /c/TOKEN, answered ahead of the Signals app's fastify routes. */
  handler(): FrontHandler {
    return trackingHandler({
      keyring: trackingKeyring(this.settings.keys),
      customerId: this.settings.customerId,
      recorder: this.recorder,
      log: this.settings.log,
      now: this.settings.now,
    });
  }

  /** Resolves when every hit so far is in the store (tests, benchmarks). */
  async flush(): Promise<void> {
    await this.recorder.flush();
    await this.writer.drain();
  }

  /** After the HTTP server closed: journals what is queued, finishes the store write in progress. */
  async stop(): Promise<void> {
    await this.recorder.stop();
    await this.writer.stop();
  }
}
