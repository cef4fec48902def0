// The management Service: PowerMTA's HTTP management port and web monitor (`http-mgmt-port`,
// guarded by `http-access`), Prometheus metrics, the status counters, and the delivery summary
// line the log gets each minute. It starts before the other services and stops after them, so
// `outpost show status` answers while the MTA starts up and while it shuts down.
import { rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import { CsrfTokens } from './access.js';
import { mgmtAddresses } from './address.js';
import { MtaMetrics } from './metrics/mta.js';
import type { SignalsMetrics } from './metrics/signals.js';
import type { RuntimeParts } from './parts.js';
import { registerMgmtRoutes } from './routes.js';
import { TrafficMeter } from './traffic.js';
import { queueRows } from './views/queues.js';
import { ConnectionTops } from './views/status.js';

export interface MgmtOptions {
  parts: RuntimeParts;
  bus: EventBus;
  log: Logger;
  dataDir: string;
  /** The Signals server's metrics when it runs in this process (merged into /metrics). */
  signalsMetrics?: SignalsMetrics;
}

export class MgmtService implements Service {
  readonly name = 'mgmt';
  readonly meter = new TrafficMeter();
  readonly tops = new ConnectionTops();
  readonly metrics: MtaMetrics;
  private readonly csrf = new CsrfTokens();
  private readonly apps: FastifyInstance[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly stateFile: string;
  urls: string[] = [];

  constructor(private readonly options: MgmtOptions) {
    this.metrics = new MtaMetrics(options.parts);
    this.stateFile = join(options.dataDir, 'mgmt.json');
  }

  async start(): Promise<void> {
    const { parts, bus, log } = this.options;
    this.unsubscribe = bus.subscribe((event) => this.meter.record(event));
    this.metrics.start(bus);
    this.every(1000, () => this.tops.sample(parts));
    this.every(60_000, () => this.summary());
    for (const address of mgmtAddresses(parts.config())) {
      const app = this.build();
      this.apps.push(app);
      const url = await listenDualStack(app, address);
      this.urls.push(url);
      log.info({ url }, `http management on ${url}`);
    }
    if (this.urls.length > 0) {
      await mkdir(this.options.dataDir, { recursive: true });
      writeFileSync(this.stateFile, `${JSON.stringify({ pid: process.pid, urls: this.urls })}\n`);
    }
  }

  private build(): FastifyInstance {
    const app = Fastify({
      loggerInstance: this.options.log.child(
        { component: 'mgmt-http' },
        { level: 'warn' },
      ) as FastifyBaseLogger,
    });
    registerMgmtRoutes(app, {
      parts: this.options.parts,
      meter: this.meter,
      tops: this.tops,
      csrf: this.csrf,
      metrics: async () => {
        const registries = [this.metrics.registry];
        if (this.options.signalsMetrics) registries.push(this.options.signalsMetrics.registry);
        const merged = Registry.merge(registries);
        return { contentType: merged.contentType, text: await merged.metrics() };
      },
    });
    return app;
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** PowerMTA-style delivery summary, once a minute when something happened. */
  private summary(): void {
    const m = this.meter.lastMinute();
    if (m.received + m.delivered + m.bounced + m.deferred === 0) return;
    const rows = queueRows(this.options.parts);
    const queued = rows.reduce((sum, r) => sum + r.rcp, 0);
    const conn = this.tops.sample(this.options.parts);
    this.options.log.info(
      { ...m, queued, queues: rows.filter((r) => r.rcp > 0).length, ...conn },
      `delivery summary (last minute): ${m.received} received, ${m.delivered} delivered, ${m.bounced} bounced, ` +
        `${m.deferred} deferred; ${queued} recipients queued; connections in ${conn.smtpIn}, out ${conn.smtpOut}`,
    );
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.unsubscribe?.();
    this.metrics.stop();
    this.options.signalsMetrics?.close();
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
    if (this.urls.length > 0) rmSync(this.stateFile, { force: true });
    this.urls = [];
  }
}

/** `::` where the host has IPv6, else `0.0.0.0`; a named address as it is. */
async function listenDualStack(
  app: FastifyInstance,
  address: { host: string; port: number },
): Promise<string> {
  try {
    await app.listen({ host: address.host, port: address.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (address.host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw error;
    await app.listen({ host: '0.0.0.0', port: address.port });
  }
  const bound = app.server.address();
  if (!bound || typeof bound === 'string') return `http://${address.host}:${address.port}`;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}`;
}
