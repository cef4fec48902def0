// Tracking fails open (code-style.md §14): the pixel is served and the redirect happens whether or
// not the event can be stored right now. Hits are queued in memory and written to the sink in
// batches, one write at a time; while the sink fails, they stay queued and the write is retried with
// backoff, so an outage of the store delays events instead of losing them. Only a queue past
// `maxQueued` (about 400 MB of events by default) drops new hits, counted and logged.
import type { Logger } from '../../logging.js';
import { Backoff } from './backoff.js';
import type { TrackingEvent } from './event.js';

export interface TrackingSink {
  /** Stores the events (enriched) and resolves once they are durable; rejects when it cannot. */
  write(events: TrackingEvent[]): Promise<void>;
}

export interface RecorderOptions {
  sink: TrackingSink;
  log: Logger;
  /** Most events per write (default 5000). */
  batchSize?: number;
  /** How long a hit may wait for others to share its write when traffic is light (default 100 ms). */
  lingerMs?: number;
  /** Hits held while the sink is failing before new ones are dropped (default 1,000,000). */
  maxQueued?: number;
  /** Retry delay after a failed write: doubles from the first value up to the second (ms). */
  retryMs?: readonly [number, number];
}

export interface RecorderStats {
  recorded: number;
  written: number;
  queued: number;
  dropped: number;
  failedWrites: number;
}

export class TrackingRecorder {
  private queue: TrackingEvent[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private failing = 0;
  private readonly counts = { recorded: 0, written: 0, dropped: 0, failedWrites: 0 };

  private readonly backoff: Backoff;

  constructor(private readonly options: RecorderOptions) {
    this.backoff = new Backoff(options.retryMs ?? [250, 10_000]);
  }

  get stats(): RecorderStats {
    return { ...this.counts, queued: this.queue.length };
  }

  /** Queues one hit; never throws and never waits. */
  record(event: TrackingEvent): void {
    if (this.queue.length >= (this.options.maxQueued ?? 1_000_000)) {
      if (this.counts.dropped++ === 0)
        this.options.log.error('tracking queue full: dropping hits until the store returns');
      return;
    }
    this.queue.push(event);
    this.counts.recorded++;
    if (this.running) return;
    if (this.queue.length >= this.batchSize) this.start();
    else this.timer ??= setTimeout(() => this.start(), this.linger);
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 5000;
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      // What arrived meanwhile shares the next write after a linger: a write per linger at most
      // under moderate traffic, back-to-back full batches under heavy traffic.
      if (this.queue.length > 0 && !this.stopping) this.timer ??= setTimeout(() => this.start(), this.linger);
    });
  }

  private get linger(): number {
    return this.options.lingerMs ?? 100;
  }

  private async run(): Promise<void> {
    do {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        await this.options.sink.write(batch);
        this.counts.written += batch.length;
        if (this.failing > 0) {
          this.options.log.info({ failedWrites: this.failing }, 'tracking events are being stored again');
          this.failing = 0;
        }
      } catch (error) {
        this.queue.unshift(...batch);
        this.counts.failedWrites++;
        if (this.failing++ === 0)
          this.options.log.error({ err: error }, 'tracking events cannot be stored; queueing them');
        if (this.stopping) return;
        await this.backoff.wait(this.failing);
      }
    } while (this.queue.length >= this.batchSize || (this.failing > 0 && this.queue.length > 0));
  }

  /** Resolves when every hit recorded so far is written (tests, benchmarks). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      this.start();
      await this.running;
    }
  }

  /** Tries once more to write what is queued; returns how many hits could not be stored. */
  async stop(): Promise<number> {
    this.stopping = true;
    this.backoff.cut();
    await this.running;
    if (this.queue.length > 0) this.start();
    await this.running;
    clearTimeout(this.timer);
    if (this.queue.length > 0)
      this.options.log.error({ lost: this.queue.length }, 'tracking hits not stored at shutdown');
    return this.queue.length;
  }
}
