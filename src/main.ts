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
import { signalsOptionsFromConfig } from './signals/config.js';
import { SignalsServer } from './signals/service.js';
import { SmtpService } from './smtp/service.js';
import { SpoolService } from './spool/service.js';

export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Graceful: finish or hand back work in flight, then release ports and files. */
  stop(): Promise<void>;
}

export interface Runtime {
  config: OutpostConfig;
  bus: EventBus;
  services: Service[];
  stop(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
}

/** Builds the services the configuration asks for. Capabilities add themselves here. */
function servicesFor(config: OutpostConfig, bus: EventBus, options: StartOptions): Service[] {
  const services: Service[] = [];
  // The Signals server first, so the connector's first upload finds it; the connector reaches it
  // only over HTTP, even in the same process.
  if (config.signalsServer) services.push(new SignalsServer(signalsOptionsFromConfig(config, options.log)));
  if (config.acctFiles.length > 0) services.push(new AccountingService(config, bus, options.log));
  if (config.signals) services.push(new SignalsConnector(config, bus, options.log));
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
    recovered: () => spool.recovered.filter((envelope) => !processors.wants(envelope)),
    spoolDsn: async (envelope, body) => {
      await spool.spool.store(envelope, body);
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
  services.push(spool, delivery, processors, smtp);
  return services;
}

export async function startOutpost(config: OutpostConfig, options: StartOptions): Promise<Runtime> {
  const bus = new EventBus((error, event) =>
    options.log.error({ err: error, event: event.type }, 'event listener failed'),
  );
  const services = servicesFor(config, bus, options);
  const started: Service[] = [];
  const stop = async () => {
    for (const service of [...started].reverse()) {
      try {
        await service.stop();
      } catch (error) {
        options.log.error({ err: error, service: service.name }, 'service failed to stop cleanly');
      }
    }
    started.length = 0;
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
  return { config, bus, services, stop };
}
