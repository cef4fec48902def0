// The Signals server as one Service: opens the store, resumes the ingest journal, serves HTTP,
// and applies retention hourly. `npm start` runs it beside the MTA; `outpost signals` runs it alone.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiKeySpec } from '../config/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import { TrackingEndpoint } from '../tracking/endpoint/service.js';
import { SpamTrapList } from './analytics/traps.js';
import { Enricher } from './enrich/enricher.js';
import { MxProviderCache, type MxResolver, systemMxResolver } from './enrich/mx-cache.js';
import { buildSignalsApp, type RouteModule } from './http/app.js';
import { KeyTable } from './http/auth.js';
import { IngestJournal } from './ingest/journal.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { BATCH_RETENTION } from './ingest/process-batch.js';
import { openStore, type StoreSettings } from './store/open.js';
import type { EventStore } from './store/types.js';

export interface SignalsServerOptions {
  listen: { host: string; port: number };
  store: StoreSettings;
  customerId: number;
  keys: readonly ApiKeySpec[];
  /** Seconds of events kept. */
  retention: number;
  publicUrl?: string;
  log: Logger;
  resolveMx?: MxResolver;
  dnsServers?: Array<{ host: string; port: number }>;
  now?: () => number;
  /** Extra route modules (the dashboard). */
  routes?: readonly RouteModule[];
  /** `spam-trap-list FILE`: the spam traps the Signals reports match sends against. */
  spamTrapList?: string;
  chunkEvents?: number;
}

export class SignalsServer implements Service {
  readonly name = 'signals';
  private app: FastifyInstance | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  store: EventStore | undefined;
  pipeline: IngestPipeline | undefined;
  tracking: TrackingEndpoint | undefined;

  constructor(private readonly options: SignalsServerOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    const now = o.now ?? Date.now;
    // Read before anything is opened: a broken list stops the start with FILE:LINE and leaks nothing.
    const spamTraps = o.spamTrapList ? new SpamTrapList(o.spamTrapList, o.log, now) : undefined;
    const store = await openStore(o.store, o.log.child({ component: 'signals-store' }));
    this.store = store;
    const mx = new MxProviderCache({ resolve: o.resolveMx ?? systemMxResolver(o.dnsServers) });
    const enricher = new Enricher({ mx, store });
    this.pipeline = new IngestPipeline({
      store,
      journal: new IngestJournal(join(o.store.dataPath, 'journal')),
      enricher,
      log: o.log.child({ component: 'signals-ingest' }),
      now,
      chunkEvents: o.chunkEvents,
    });
    await this.pipeline.start();
    this.tracking = new TrackingEndpoint({
      journalDir: join(o.store.dataPath, 'tracking-journal'),
      store,
      enricher,
      keys: o.keys,
      customerId: o.customerId,
      log: o.log.child({ component: 'tracking' }),
      now,
    });
    await this.tracking.start();
    this.app = buildSignalsApp(
      {
        store,
        pipeline: this.pipeline,
        keys: new KeyTable(o.keys),
        customerId: o.customerId,
        now,
        publicUrl: o.publicUrl,
        log: o.log,
        retention: o.retention,
        spamTraps,
      },
      o.routes,
      [this.tracking.handler()],
    );
    await this.app.listen({ host: o.listen.host, port: o.listen.port });
    await this.applyRetention();
    this.retentionTimer = setInterval(() => void this.applyRetention(), 3_600_000);
    this.retentionTimer.unref();
  }

  /** The bound address (the port is the real one when the configuration said 0). */
  get address(): { host: string; port: number; url: string } {
    const info = this.app?.server.address() as AddressInfo;
    return { host: info.address, port: info.port, url: `http://${info.address}:${info.port}` };
  }

  private async applyRetention(): Promise<void> {
    const ms = (this.options.now ?? Date.now)();
    try {
      await this.store?.dropEventDaysBefore(Math.floor(ms / 1000) - this.options.retention);
      await this.store?.dropBatchesBefore(ms - BATCH_RETENTION * 1000);
    } catch (error) {
      this.options.log.error({ err: error }, 'retention failed; will retry in an hour');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.retentionTimer);
    await this.app?.close();
    await this.tracking?.stop();
    await this.pipeline?.stop();
    await this.store?.close();
  }
}
