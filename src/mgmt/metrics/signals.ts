// Prometheus metrics of the Signals role: events and batches stored (from the ingest pipeline's
// diagnostics channel), the ingest backlog, and the latency of every API request by route, which
// for the events, metrics and Signals APIs is the query latency users feel. Served at GET /metrics
// on the Signals server itself (an API key with metrics/view; Prometheus sends it as basic-auth
// user name), and merged into the management port's /metrics when both roles share a process.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SignalsDeps } from '../../signals/http/deps.js';
import { SIGNALS_STORED } from './channels.js';

export class SignalsMetrics {
  readonly registry = new Registry();
  private readonly events: Counter<string>;
  private readonly batches: Counter<string>;
  private readonly requests: Histogram<string>;
  private deps: SignalsDeps | undefined;
  private readonly onStored = (message: unknown) => {
    const { events, batches } = message as { events: number; batches: number };
    this.events.inc(events);
    this.batches.inc(batches);
  };

  constructor() {
    const registers = [this.registry];
    this.events = new Counter({
      name: 'outpost_signals_ingest_events_total',
      help: 'Ingested events written to the event store',
      registers,
    });
    this.batches = new Counter({
      name: 'outpost_signals_ingest_batches_total',
      help: 'Uploaded batches processed into the event store',
      registers,
    });
    this.requests = new Histogram({
      name: 'outpost_signals_http_request_duration_seconds',
      help: 'Signals API requests by route: ingest, events search, metrics and Signals queries',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const deps = () => this.deps;
    new Gauge({
      name: 'outpost_signals_ingest_backlog',
      help: 'Uploaded batches journaled but not yet in the event store',
      registers,
      collect() {
        const pipeline = deps()?.pipeline;
        if (pipeline) this.set(pipeline.backlog);
      },
    });
    subscribe(SIGNALS_STORED, this.onStored);
  }

  /** The Signals server route module: the latency hook and GET /metrics. */
  readonly routes = (app: FastifyInstance, deps: SignalsDeps): void => {
    this.deps = deps;
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route === '/metrics') return;
      this.requests.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', async (request, reply) => {
      deps.keys.authenticate(request, ['metrics/view']);
      reply.header('content-type', this.registry.contentType);
      return this.registry.metrics();
    });
  };

  close(): void {
    unsubscribe(SIGNALS_STORED, this.onStored);
  }
}
