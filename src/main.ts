// Wires one Outpost process together from a validated configuration: the event bus, the logger and
// whatever services the configuration turns on. Each capability contributes a Service here; the
// order of `services` is start order (stop runs in reverse).
import { ReportProcessors } from './bounce/processor-service.js';
import { dataDir, type OutpostConfig } from './config/index.js';
import { DeliveryService } from './delivery/service.js';
import { AccountingService } from './events/accounting/service.js';
import { EventBus } from './events/index.js';
import { SignalsConnector } from './events/signals/index.js';
import type { Logger } from './logging.js';
import type { LogFile } from './logs/index.js';
import { SignalsMetrics } from './mgmt/metrics/signals.js';
import type { RuntimeParts } from './mgmt/parts.js';
import { type ReloadResult, reloadServices } from './mgmt/reload.js';
import { MgmtService } from './mgmt/service.js';
import { signalsOptionsFromConfig } from './signals/config.js';
import { SignalsServer } from './signals/service.js';
import { SmtpService } from './smtp/service.js';
import { SpoolService } from './spool/service.js';

export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Graceful: finish or hand back work in flight, then release ports and files. */
  stop(): Promise<void>;
  /**
   * Reload, phase one (optional): do what can fail (bind, open) without changing anything visible;
   * `commit` switches over and cannot fail, `abort` undoes the preparation. See mgmt/reload.ts.
   */
  prepareReload?(config: OutpostConfig): Promise<{ commit(): void; abort(): Promise<void> }>;
  /** Reload for services whose switch-over cannot fail (optional): take the new configuration. */
  reconfigure?(config: OutpostConfig): void;
}

export interface Runtime {
  /** The configuration in effect; `reload` replaces it. */
  readonly config: OutpostConfig;
  bus: EventBus;
  services: Service[];
  /** Reads the configuration file again and applies it; refused (and nothing changed) on errors. */
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** The operator's log file, when the CLI opened one (reload may move it, `rotate log` rotates it). */
  logFile?: LogFile;
}

/** Builds the services the configuration asks for. Capabilities add themselves here. */
function servicesFor(
  config: OutpostConfig,
  bus: EventBus,
  options: StartOptions,
  parts: RuntimeParts,
): Service[] {
  const services: Service[] = [];
  if (options.logFile) services.push(options.logFile);
  // The Signals server first, so the connector's first upload finds it; the connector reaches it
  // only over HTTP, even in the same process.
  let signalsMetrics: SignalsMetrics | undefined;
  if (config.signalsServer) {
    signalsMetrics = new SignalsMetrics();
    const signals = signalsOptionsFromConfig(config, options.log);
    services.push(
      new SignalsServer({ ...signals, routes: [...(signals.routes ?? []), signalsMetrics.routes] }),
    );
  }
  if (config.acctFiles.length > 0) {
    parts.accounting = new AccountingService(config, bus, options.log);
    services.push(parts.accounting);
  }
  if (config.signals) {
    parts.connector = new SignalsConnector(config, bus, options.log);
    services.push(parts.connector);
  }
  const dir = dataDir(config);
  // Spool, then delivery (which queues what the spool recovered), then the listener: no client can
  // send mail before the spool is locked and recovered.
  const spool = new SpoolService(config, dir, options.log.child({ component: 'spool' }));
  // Reports for the bounce and FBL domains are consumed (or passed on) before anything is queued.
  const processors = new ReportProcessors({
    config,
    bus,
    log: options.log.child({ component: 'processors' }),
    consume: (id, indexes) => spool.spool.markRecipients(id, indexes, 'done'),
    deliver: (message) => delivery.enqueue(message.envelope),
    recovered: () => spool.recovered,
    read: (id) => spool.spool.read(id),
  });
  const delivery = new DeliveryService({
    config,
    bus,
    log: options.log.child({ component: 'delivery' }),
    store: {
      read: (id) => spool.spool.read(id),
      markRecipients: (id, indexes, state) => spool.spool.markRecipients(id, indexes, state),
    },
    // The last consumer of what recovery found: the envelopes are released once queued.
    recovered: () => {
      const mine = spool.recovered.filter((envelope) => !processors.wants(envelope));
      spool.recovered = [];
      return mine;
    },
    // A DSN whose return path is our own bounce processor would only come back as a report of a
    // bounce already recorded (and counted twice in Signals): the loop ends here instead.
    spoolDsn: async (envelope, body) => {
      if (processors.wants(envelope)) return false;
      await spool.spool.store(envelope, body);
      return true;
    },
  });
  const smtp = new SmtpService({
    config,
    bus,
    spool: () => spool.spool,
    log: options.log.child({ component: 'smtp' }),
    dataDir: dir,
    onSpooled: (message) => processors.handle(message),
  });
  services.push(spool, processors, delivery, smtp);
  Object.assign(parts, { spool, delivery, processors, smtp });
  // The management port starts right after the log and stops last but for it: it answers while
  // the MTA starts and while it drains.
  const mgmt = new MgmtService({
    parts,
    bus,
    log: options.log.child({ component: 'mgmt' }),
    dataDir: dir,
    signalsMetrics,
  });
  services.splice(options.logFile ? 1 : 0, 0, mgmt);
  return services;
}

export async function startOutpost(config: OutpostConfig, options: StartOptions): Promise<Runtime> {
  const bus = new EventBus((error, event) =>
    options.log.error({ err: error, event: event.type }, 'event listener failed'),
  );
  let current = config;
  let shuttingDown = false;
  const parts: RuntimeParts = {
    config: () => current,
    startedAt: Date.now(),
    shuttingDown: () => shuttingDown,
    reload: () => runtime.reload(),
  };
  if (options.logFile) parts.logFile = options.logFile;
  const services = servicesFor(config, bus, options, parts);
  const started: Service[] = [];
  const stop = async () => {
    shuttingDown = true;
    for (const service of [...started].reverse()) {
      try {
        await service.stop();
      } catch (error) {
        options.log.error({ err: error, service: service.name }, 'service failed to stop cleanly');
      }
    }
    started.length = 0;
  };
  let reloading: Promise<ReloadResult> | undefined;
  const runtime: Runtime = {
    get config() {
      return current;
    },
    bus,
    services,
    stop,
    // One reload at a time: a second request waits for the first and then reads the file again.
    reload: async () => {
      while (reloading) await reloading.catch(() => {});
      if (shuttingDown) throw new Error('shutting down');
      reloading = reloadServices(current, started, options.log).then(({ result, config: next }) => {
        if (next) current = next;
        return result;
      });
      try {
        return await reloading;
      } finally {
        reloading = undefined;
      }
    },
  };
  try {
    for (const service of services) {
      await service.start();
      started.push(service);
      options.log.info({ service: service.name }, `${service.name} started`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return runtime;
}
