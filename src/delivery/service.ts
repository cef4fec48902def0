// The delivery Service: owns the queue manager and everything a connection needs (resolver, source
// addresses, DKIM keys, outcome recording), and takes spooled messages in through `enqueue`.
import { join } from 'node:path';
import { dataDir, type OutpostConfig } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import { QueueManager } from '../queue/manager.js';
import type { MessageStore, QueueableEnvelope } from '../queue/message.js';
import { releaseMemory } from '../queue/release-memory.js';
import { RollupMatcher } from '../queue/rollup.js';
import type { Clock } from '../queue/timer-heap.js';
import { SourceHosts } from '../queue/vmta.js';
import type { SpoolEnvelope } from '../spool/index.js';
import { runConnection } from './connection.js';
import { DkimKeyStore } from './dkim.js';
import { createResolver, type Resolver } from './mx.js';
import { Outcomes } from './outcomes.js';
import { DeliveryTracking } from './tracking.js';

export interface DeliveryOptions {
  config: OutpostConfig;
  bus: EventBus;
  log: Logger;
  store: MessageStore;
  resolver?: Resolver;
  clock?: Clock;
  /** Messages the spool recovered at start; queued when the service starts. */
  recovered?: () => QueueableEnvelope[];
  /**
   * Spools a DSN Outpost generated and says whether to queue it (false: it is not to be delivered).
   * Absent: no DSNs are sent.
   */
  spoolDsn?: (envelope: SpoolEnvelope, body: Buffer) => Promise<boolean>;
}

export class DeliveryService implements Service {
  readonly name = 'delivery';
  readonly manager: QueueManager;
  readonly outcomes: Outcomes;
  private config: OutpostConfig;
  private sources: SourceHosts;
  private keys: DkimKeyStore;
  private rollups: RollupMatcher;
  private tracking: DeliveryTracking;
  private readonly resolver: Resolver;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: DeliveryOptions) {
    const { config } = options;
    this.config = config;
    const dnsServers = config.outpost['dns-server'].length
      ? config.outpost['dns-server']
      : config.global['name-server'].map((host) => ({ host, port: 53 }));
    this.resolver = options.resolver ?? createResolver(dnsServers);
    this.sources = new SourceHosts(config);
    this.keys = new DkimKeyStore(config);
    this.rollups = new RollupMatcher(config.mxRollups);
    this.tracking = new DeliveryTracking(config);
    this.manager = new QueueManager({
      config,
      log: options.log,
      ...(options.clock ? { clock: options.clock } : {}),
      statePath: join(dataDir(config), 'queue-state.json'),
      connect: (queue) => this.track(runConnection(this.context(), queue)),
    });
    this.outcomes = new Outcomes({
      config: () => this.config,
      store: options.store,
      manager: this.manager,
      bus: options.bus,
      log: options.log,
      ...(options.spoolDsn
        ? {
            sendDsn: async ({ envelope, body }: { envelope: SpoolEnvelope; body: Buffer }) => {
              if (await options.spoolDsn!(envelope, body)) this.enqueue(envelope);
            },
          }
        : {}),
    });
  }

  private context() {
    return {
      config: () => this.config,
      manager: this.manager,
      store: this.options.store,
      resolver: this.resolver,
      sources: this.sources,
      keys: this.keys,
      outcomes: this.outcomes,
      rollups: this.rollups,
      tracking: this.tracking,
    };
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** A message the spool holds (a new one, or one recovered at start). */
  enqueue(envelope: QueueableEnvelope): void {
    this.manager.enqueue(envelope);
  }

  /**
   * `delete --queue / --jobId`: waiting recipients leave the queues, durably marked deleted in the
   * spool, each with a bounce record "deleted by administrator". Returns how many.
   */
  async delete(filter: { jobId?: string; queue?: string }): Promise<number> {
    const removed = this.manager.delete(filter);
    for (const entry of removed) await this.outcomes.deleted(() => entry.queue, [entry]);
    return removed.reduce((sum, r) => sum + r.rcpts.length, 0);
  }

  /** A reload: new settings for queues, VirtualMTAs and keys; open connections finish as they are. */
  reconfigure(config: OutpostConfig): void {
    this.config = config;
    this.sources = new SourceHosts(config);
    this.keys = new DkimKeyStore(config);
    this.rollups = new RollupMatcher(config.mxRollups);
    this.tracking = new DeliveryTracking(config);
    this.manager.reconfigure(config);
  }

  async start(): Promise<void> {
    let recovered = this.options.recovered?.() ?? [];
    const count = recovered.length;
    for (const envelope of recovered) this.manager.enqueue(envelope);
    recovered = [];
    if (count > 10_000) releaseMemory();
    if (count > 0) this.options.log.info({ messages: count }, `queued ${count} recovered messages`);
  }

  /**
   * Stops opening connections and waits for the ones in flight to finish their current message. A
   * remote that hangs past `drainMs` is left behind: its recipients are still pending in the spool
   * and go out again after the restart (at least once, never lost).
   */
  async stop(drainMs = 60_000): Promise<void> {
    this.manager.stop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), drainMs);
    });
    const outcome = await Promise.race([Promise.allSettled([...this.inFlight]), late]);
    clearTimeout(timer);
    if (outcome === 'late')
      this.options.log.warn(
        { connections: this.inFlight.size },
        'delivery: connections still busy at shutdown; their messages stay queued for the next start',
      );
  }
}
