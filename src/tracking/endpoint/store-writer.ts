// Where the tracking recorder's batches go on the Signals server: first into a journal on disk (the
// ingest journal's format, in its own directory), then — enriched from each message's injection —
// into the event store, after which the journal file is removed. A store that is down delays
// events; a crash loses none (start() stores what the journal still holds, skipping events the
// store already has). The recorder only waits for the journal, so serving hits never waits on the
// store.
import type { Logger } from '../../logging.js';
import type { Enricher } from '../../signals/enrich/enricher.js';
import type { IngestJournal, JournalEntry } from '../../signals/ingest/journal.js';
import type { EventStore } from '../../signals/store/types.js';
import { Backoff } from './backoff.js';
import type { TrackingEvent } from './event.js';
import type { TrackingSink } from './recorder.js';

export interface StoreWriterOptions {
  journal: IngestJournal;
  store: Pick<EventStore, 'ingest' | 'search'>;
  enricher: Pick<Enricher, 'enrich'>;
  log: Logger;
  /** Events kept in memory for the store write; past this they are read back from the journal. */
  maxInMemory?: number;
  /** Retry delay after a failed store write: doubles from the first value up to the second (ms). */
  retryMs?: readonly [number, number];
}

interface Pending {
  entry: JournalEntry;
  /** Undefined for batches found in the journal at start, or let go to bound memory. */
  events?: TrackingEvent[];
  replayed: boolean;
}

const toNdjson = (events: TrackingEvent[]) =>
  Buffer.from(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`);

export class TrackingStoreWriter implements TrackingSink {
  private readonly pending: Pending[] = [];
  private inMemory = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  private failures = 0;
  private idle: Array<() => void> = [];

  private readonly backoff: Backoff;

  constructor(private readonly options: StoreWriterOptions) {
    this.backoff = new Backoff(options.retryMs ?? [500, 30_000]);
  }

  /** Queues what an earlier run left in the journal. */
  async start(): Promise<void> {
    const left = await this.options.journal.pending();
    if (left.length)
      this.options.log.info({ batches: left.length }, 'storing tracking hits left in the journal');
    for (const entry of left) this.pending.push({ entry, replayed: true });
    this.kick();
  }

  /** Resolves once the events are on disk; the store write follows. */
  async write(events: TrackingEvent[]): Promise<void> {
    const entry = await this.options.journal.append(
      { received_at: Date.now(), customer_id: events[0]?.customer_id ?? 0 },
      toNdjson(events),
    );
    const keep = this.inMemory + events.length <= (this.options.maxInMemory ?? 200_000);
    if (keep) this.inMemory += events.length;
    this.pending.push({ entry, events: keep ? events : undefined, replayed: false });
    this.kick();
  }

  get backlog(): number {
    return this.pending.length;
  }

  private kick(): void {
    if (this.running || this.stopping || this.pending.length === 0) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.pending.length && !this.stopping) this.kick();
      else for (const wake of this.idle.splice(0)) wake();
    });
  }

  private async run(): Promise<void> {
    while (this.pending.length && !this.stopping) {
      const round = this.pending.slice(0, 200);
      try {
        const events = (await Promise.all(round.map((p) => this.eventsOf(p)))).flat();
        await this.options.enricher.enrich(events);
        await this.options.store.ingest({ events, batches: [], failures: [] });
      } catch (error) {
        if (this.failures++ === 0)
          this.options.log.error({ err: error }, 'tracking events cannot be stored; kept in the journal');
        await this.backoff.wait(this.failures);
        continue;
      }
      if (this.failures)
        this.options.log.info({ failedWrites: this.failures }, 'tracking events are being stored again');
      this.failures = 0;
      this.pending.splice(0, round.length);
      for (const p of round) {
        this.inMemory -= p.events && !p.replayed ? p.events.length : 0;
        await this.options.journal.remove(p.entry);
      }
    }
  }

  private async eventsOf(p: Pending): Promise<TrackingEvent[]> {
    const events =
      p.events ??
      (await this.options.journal.body(p.entry))
        .toString('utf8')
        .split('\n')
        .filter((line) => line)
        .map((line) => JSON.parse(line) as TrackingEvent);
    return p.replayed ? this.notStored(events) : events;
  }

  /** A crash between the store write and the journal removal must not store events twice. */
  private async notStored(events: TrackingEvent[]): Promise<TrackingEvent[]> {
    const ids = events.map((e) => e.event_id);
    const stored = await this.options.store.search({
      where: { column: 'event_id', in: ids },
      limit: ids.length,
    });
    const seen = new Set(stored.map((e) => e.event_id));
    return events.filter((e) => !seen.has(e.event_id));
  }

  /** Resolves when everything written so far is in the store (tests, benchmarks). */
  async drain(): Promise<void> {
    if (!this.running && this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Finishes the store write in progress; the rest stays in the journal for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.backoff.cut();
    await this.running;
  }
}
