// The ingest pipeline: the HTTP route journals a batch and returns its id at once (SparkPost
// validates asynchronously too); batches are then processed in arrival order and their events
// written to the store in chunks of many batches, because the store loads big chunks far faster
// than small ones. The next chunk is prepared while the previous one is being written. A batch
// leaves the journal only after the store has acknowledged its chunk.
import { channel } from 'node:diagnostics_channel';
import type { Logger } from '../../logging.js';
import type { Enricher } from '../enrich/enricher.js';
import type { StoredEvent } from '../store/columns.js';
import type { BatchRecord, EventStore, FailedEvent, StagedEvents, StageFill } from '../store/types.js';
import { type DecodedBatch, decodeBatch } from './decode.js';
import { EventIdSet } from './dedupe.js';
import type { IngestJournal, JournalEntry } from './journal.js';
import { MAX_EVENT_AGE } from './normalize.js';
import { processBatch } from './process-batch.js';

/** Ingest counts for metrics (src/mgmt/metrics/channels.ts); published only when someone listens. */
const storedChannel = channel('outpost:signals:stored');

export interface PipelineOptions {
  store: EventStore;
  journal: IngestJournal;
  enricher: Enricher;
  log: Logger;
  /** Milliseconds since the epoch (injected in tests). */
  now?: () => number;
  /**
   * Events per store write (default 250,000): DuckDB loads big writes far more cheaply per event
   * (bench/signals).
   */
  chunkEvents?: number;
  /** How long to wait for another batch before writing a partial chunk (default 200 ms). */
  lingerMs?: number;
  /** Batches waiting before uploads are refused with 429 (default 1000). */
  maxBacklog?: number;
  /**
   * Events per write held back for a later injection (process-batch.ts BatchOutcome.held; default
   * 20,000): enough for the few parallel uploads a connector has in flight, few enough that a
   * stream of engagement whose injections never come (sent by another system) does not pile up
   * in memory. Past it, such events are written without waiting.
   */
  maxHeld?: number;
}

interface Chunk {
  /** The batches' events, staged in the store as each batch is processed (one handle for the write). */
  staged?: StagedEvents;
  /** Events waiting for their injection, enriched again and written with the chunk. */
  held: StoredEvent[];
  count: number;
  batches: BatchRecord[];
  failures: FailedEvent[];
  entries: JournalEntry[];
}

const newChunk = (): Chunk => ({ held: [], count: 0, batches: [], failures: [], entries: [] });

export class IngestPipeline {
  private readonly queue: JournalEntry[] = [];
  private readonly ids = new EventIdSet();
  /** Content hashes of batches processed but not yet in the store. */
  private readonly unstoredHashes = new Map<string, string>();
  private running: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private expiryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private arrived: (() => void) | undefined;
  readonly now: () => number;

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now;
  }

  private get seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Reloads the recent event ids from the store, then resumes batches left in the journal. */
  async start(): Promise<void> {
    for await (const chunk of this.options.store.eventIdsSince(this.seconds - MAX_EVENT_AGE - 3600)) {
      for (const id of chunk) this.ids.add(id, this.seconds);
    }
    const pending = await this.options.journal.pending();
    if (pending.length) this.options.log.info({ batches: pending.length }, 'resuming journaled batches');
    for (const entry of pending) this.enqueue(entry);
    this.expiryTimer = setInterval(() => this.ids.expire(this.seconds), 3_600_000);
    this.expiryTimer.unref();
  }

  get backlog(): number {
    return this.queue.length;
  }

  get overloaded(): boolean {
    return this.queue.length >= (this.options.maxBacklog ?? 1000);
  }

  /** Journals a batch durably and queues it; resolves with its batch id once it cannot be lost. */
  async accept(body: Buffer, meta: { customerId: number; subaccount?: number }): Promise<string> {
    const entry = await this.options.journal.append(
      { received_at: this.now(), customer_id: meta.customerId, subaccount: meta.subaccount },
      body,
    );
    this.enqueue(entry);
    return entry.batch_id;
  }

  private enqueue(entry: JournalEntry): void {
    this.queue.push(entry);
    this.arrived?.();
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stopping) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.queue.length && !this.stopping) this.kick();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private async run(): Promise<void> {
    let chunk = newChunk();
    let writing: Promise<void> | undefined;
    const flush = async () => {
      await writing;
      writing = this.write(chunk);
      chunk = newChunk();
    };
    // The next batch is read and unpacked (on the thread pool) while this one is processed.
    let next: { entry: JournalEntry; decoding: Promise<DecodedBatch> } | undefined;
    while (!this.stopping) {
      // Uploads arrive a few at a time: a short wait for the next one turns many small writes into
      // one big one.
      if (this.queue.length === 0 && chunk.entries.length) await this.arrival();
      const entry = this.queue.shift();
      if (!entry) break;
      const decoding = next?.entry === entry ? next.decoding : this.decode(entry);
      next = this.queue[0] && { entry: this.queue[0], decoding: this.decode(this.queue[0]) };
      await this.process(entry, chunk, decoding);
      if (chunk.count >= (this.options.chunkEvents ?? 250_000)) await flush();
    }
    if (chunk.entries.length) await flush();
    await writing;
  }

  /** Resolves when a batch is queued, after the linger time, or on stop. */
  private arrival(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.arrived?.(), this.options.lingerMs ?? 200);
      this.arrived = () => {
        this.arrived = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private decode(entry: JournalEntry): Promise<DecodedBatch> {
    const decoding = this.options.journal.body(entry).then((body) => decodeBatch(body));
    decoding.catch(() => undefined); // seen when awaited; a prefetch may be dropped on stop
    return decoding;
  }

  private async process(entry: JournalEntry, chunk: Chunk, decoding: Promise<DecodedBatch>): Promise<void> {
    const context = {
      ids: this.ids,
      enricher: this.options.enricher,
      now: this.seconds,
      holdLimit: (this.options.maxHeld ?? 20_000) - chunk.held.length,
      stage: (fill: StageFill) => this.options.store.stage(fill, chunk.staged),
      earlierBatch: async (hash: string) =>
        this.unstoredHashes.get(hash) ?? (await this.options.store.batchByHash(hash))?.batch_id,
    };
    let prefetched: Promise<DecodedBatch> | undefined = decoding;
    const outcome = await this.retrying('batch processing failed', () => {
      const body = prefetched ?? this.decode(entry);
      prefetched = undefined;
      return processBatch(entry, body, context);
    });
    if (outcome.record.status === 'success' || outcome.record.status === 'validation') {
      this.unstoredHashes.set(outcome.record.content_hash, entry.batch_id);
    }
    chunk.staged = outcome.events ?? chunk.staged;
    chunk.count += outcome.count;
    chunk.failures.push(...outcome.failures);
    for (const event of outcome.held) chunk.held.push(event);
    chunk.batches.push(outcome.record);
    chunk.entries.push(entry);
  }

  /**
   * Runs work until it succeeds: a store that is down (ClickHouse restarting, a full disk) delays
   * acknowledged batches but never drops them.
   */
  private async retrying<T>(what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        this.options.log.error({ err: error, retryInMs: delay }, what);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async write(chunk: Chunk): Promise<void> {
    // Their injections may have come in a batch processed since (in memory now, or in the store).
    await this.retrying('enrichment failed', () => this.options.enricher.enrich(chunk.held));
    const staged = chunk.staged ? [chunk.staged] : [];
    const write = { events: chunk.held, staged, batches: chunk.batches, failures: chunk.failures };
    await this.retrying('event store write failed', () => this.options.store.ingest(write));
    if (storedChannel.hasSubscribers)
      storedChannel.publish({ events: chunk.count, batches: chunk.batches.length });
    for (const record of chunk.batches) this.unstoredHashes.delete(record.content_hash);
    await Promise.all(chunk.entries.map((entry) => this.options.journal.remove(entry)));
  }

  /** Resolves when every accepted batch is in the store (tests, shutdown). */
  async drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Finishes the chunk in progress; batches still queued stay in the journal for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.arrived?.();
    clearInterval(this.expiryTimer);
    await this.running;
  }
}
