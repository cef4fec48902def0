// Prometheus metrics of the MTA role (GET /metrics on the management port): outcomes per recipient
// by VirtualMTA and domain from the event bus, queue and connection gauges and spool counts read at
// scrape time, spool commit (fsync) latency from its diagnostics channel, and the Signals
// connector's counters. Names follow Prometheus conventions (`_total`, base units).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus, OutpostEvent } from '../../events/index.js';
import { domainOf } from '../../queue/manager.js';
import { type RuntimeParts, spoolStats } from '../parts.js';
import { groupRows, queueRows } from '../views/queues.js';
import { SPOOL_COMMIT } from './channels.js';
import { LabelCap, mirrorCounter } from './mirror.js';

const OUTCOMES = {
  reception: ['outpost_received_total', 'Recipients accepted (spooled) by the SMTP listener'],
  delivery: ['outpost_delivered_total', 'Recipients delivered (250 from the remote)'],
  bounce: ['outpost_bounced_total', 'Recipients bounced: permanent failures, expiries, deletions'],
  transient: ['outpost_deferred_total', 'Delivery attempts deferred with a temporary failure'],
} as const;

function connectorMetrics(registry: Registry, parts: RuntimeParts): void {
  const stats = () => parts.connector?.stats;
  const one = (name: string, help: string, read: (s: NonNullable<ReturnType<typeof stats>>) => number) =>
    mirrorCounter(registry, name, help, [], () => {
      const s = stats();
      return s ? [[{}, read(s)]] : [];
    });
  one('outpost_signals_staged_total', 'Events staged for upload to Signals', (s) => s.staged);
  one('outpost_signals_uploaded_total', 'Events the Signals receiver acknowledged', (s) => s.uploaded);
  one('outpost_signals_not_selected_total', 'Events enable-signals kept from Signals', (s) => s.notSelected);
  one('outpost_signals_files_uploaded_total', 'Staging files uploaded', (s) => s.filesUploaded);
  one('outpost_signals_failed_requests_total', 'Upload requests that failed', (s) => s.failedRequests);
  mirrorCounter(
    registry,
    'outpost_signals_dropped_total',
    'Events that never reached Signals',
    ['reason'],
    () => {
      const s = stats();
      return s ? Object.entries(s.dropped).map(([reason, value]) => [{ reason }, value]) : [];
    },
  );
  new Gauge({
    name: 'outpost_signals_last_upload_timestamp_seconds',
    help: 'When the last upload was acknowledged',
    registers: [registry],
    collect() {
      const at = stats()?.lastSuccessAt;
      if (at !== undefined) this.set(at / 1000);
    },
  });
}

function queueMetrics(registry: Registry, parts: RuntimeParts): void {
  const byVmta = () => groupRows(queueRows(parts), 'vmta');
  new Gauge({
    name: 'outpost_queue_recipients',
    help: 'Recipients waiting for delivery, by VirtualMTA',
    labelNames: ['vmta'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of byVmta()) this.set({ vmta: g.name }, g.rcp);
    },
  });
  new Gauge({
    name: 'outpost_queue_bytes',
    help: 'Size of the mail waiting for delivery, by VirtualMTA',
    labelNames: ['vmta'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of byVmta()) this.set({ vmta: g.name }, g.kb * 1024);
    },
  });
  new Gauge({
    name: 'outpost_queues',
    help: 'Domain queues, by state (all, retry, paused, backoff)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const rows = queueRows(parts);
      this.set({ state: 'all' }, rows.length);
      this.set({ state: 'retry' }, rows.filter((r) => r.retry).length);
      this.set({ state: 'paused' }, rows.filter((r) => r.paused).length);
      this.set({ state: 'backoff' }, rows.filter((r) => r.mode === 'backoff').length);
    },
  });
  new Gauge({
    name: 'outpost_connections',
    help: 'Open SMTP connections (in: clients of the listener, out: delivery)',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      this.set({ direction: 'in' }, parts.smtp?.connections ?? 0);
      this.set({ direction: 'out' }, parts.delivery?.manager.connections ?? 0);
    },
  });
}

function spoolMetrics(registry: Registry, parts: RuntimeParts): void {
  const gauge = (
    name: string,
    help: string,
    read: (s: NonNullable<ReturnType<typeof spoolStats>>) => number,
  ) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = spoolStats(parts);
        if (s) this.set(read(s));
      },
    });
  gauge(
    'outpost_spool_messages',
    'Messages in the spool with recipients still to deliver',
    (s) => s.messages,
  );
  gauge('outpost_spool_recipients', 'Recipients in the spool still to deliver', (s) => s.recipients);
  gauge('outpost_spool_bytes', 'Bytes of spool segment files on disk', (s) => s.bytes);
  mirrorCounter(
    registry,
    'outpost_reports_processed_total',
    'Reports the bounce and FBL processors recognised',
    ['processor'],
    () =>
      Object.entries(parts.processors?.processed ?? {}).map(([processor, value]) => [{ processor }, value]),
  );
}

export class MtaMetrics {
  readonly registry = new Registry();
  private readonly outcomes = new Map<string, Counter<string>>();
  private readonly domains = new LabelCap(1000);
  private readonly commit: Histogram<string>;
  private unsubscribe: (() => void) | undefined;
  private readonly onCommit = (message: unknown) =>
    this.commit.observe((message as { seconds: number }).seconds);

  constructor(parts: RuntimeParts) {
    for (const [type, [name, help]] of Object.entries(OUTCOMES)) {
      this.outcomes.set(
        type,
        new Counter({ name, help, labelNames: ['vmta', 'domain'], registers: [this.registry] }),
      );
    }
    this.commit = new Histogram({
      name: 'outpost_spool_commit_seconds',
      help: 'Time to make a batch of spool writes durable (write + fdatasync); a 250 waits for it',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
    queueMetrics(this.registry, parts);
    spoolMetrics(this.registry, parts);
    connectorMetrics(this.registry, parts);
  }

  record(event: OutpostEvent): void {
    const counter = this.outcomes.get(event.type);
    if (!counter) return;
    const domain = event.rcpt ? this.domains.value(domainOf(event.rcpt)) : '';
    counter.inc({ vmta: event.vmta ?? '', domain });
  }

  start(bus: EventBus): void {
    const off = bus.subscribe((event) => this.record(event));
    subscribe(SPOOL_COMMIT, this.onCommit);
    this.unsubscribe = () => {
      off();
      unsubscribe(SPOOL_COMMIT, this.onCommit);
    };
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
