// The event store contract. The ingest pipeline, the Events/Metrics APIs, the Signals analytics
// (health score, cohorts) and the tracking endpoint all go through this interface; the SQL of each
// engine stays behind it (duckdb/, clickhouse/). One test suite (test/signals/store.suite.ts) runs
// against every engine.

import type { CohortDaySpec, CohortDayState, CohortQuery, CohortRow } from './cohorts.js';
import type { StoredEvent } from './columns.js';
import type { AggregateQuery, AggregateRow, Condition, SearchQuery } from './query.js';
import type { TrapCounting } from './trap-days.js';

export type EngineName = 'duckdb' | 'clickhouse';

/** What happened to an uploaded batch (reference sparkpost-api.md §1.5–1.6). */
export type BatchStatus =
  | 'success'
  | 'validation'
  | 'decompress'
  | 'duplicate_batch'
  | 'empty_batch'
  | 'system';

export interface BatchRecord {
  batch_id: string;
  /** Milliseconds since the epoch (batches arrive many a second; the list must keep their order). */
  received_at: number;
  processed_at: number;
  expires_at: number;
  customer_id: number;
  subaccount_id: number;
  status: BatchStatus;
  retryable: boolean;
  number_succeeded: number;
  number_failed: number;
  number_duplicates: number;
  /** SHA-256 of the decompressed body: a re-sent batch is recognised by it. */
  content_hash: string;
  /** The first error, for the batch list ("why did it fail"). */
  first_error: string;
}

export interface FailedEvent {
  batch_id: string;
  /** 1-based line number in the decompressed batch. */
  line: number;
  reason: string;
  /** The line as uploaded (cut at 64 KiB). */
  text: string;
}

/**
 * Events a store has taken ahead of the write that commits them, in the engine's own form (DuckDB:
 * rows in in-memory staging tables, one per batch; ClickHouse: JSONEachRow text). The ingest
 * pipeline stages each batch as soon as it is processed, so no event objects are held while a big
 * write gathers.
 */
export interface StagedEvents {
  readonly count: number;
}

/** Hands a batch's events to stage() in slices, as they are ready. */
export type StageFill = (add: (events: readonly StoredEvent[]) => void) => Promise<void>;

export interface IngestWrite {
  events: readonly StoredEvent[];
  /** Events staged by this store's stage(), committed with `events` and the records. */
  staged?: readonly StagedEvents[];
  batches: readonly BatchRecord[];
  failures: readonly FailedEvent[];
}

export interface BatchQuery {
  /** received_at range, milliseconds. */
  from: number;
  to: number;
  subaccounts?: number[];
  statuses?: BatchStatus[];
  batchIds?: string[];
  limit: number;
  /** Newest first; the last row of the previous page. */
  after?: { received_at: number; batch_id: string };
}

export interface EventStore {
  readonly engine: EngineName;
  /**
   * Stores events and batch records together. Resolves once the write is durable (DuckDB: committed
   * through its WAL; ClickHouse: acknowledged by the server), so the caller may drop its own copy.
   */
  ingest(write: IngestWrite): Promise<void>;
  /**
   * Stages one batch's events for a later ingest(): `fill` adds them slice by slice. They join
   * `onto` (events staged earlier for the same write, not yet written) only if fill resolves; if it
   * throws, none of them stay, so a batch processed again after a failure is staged once. Resolves
   * with the events staged so far (`onto` itself or a new handle). Staged events are invisible until
   * the write commits them.
   */
  stage(fill: StageFill, onto?: StagedEvents): Promise<StagedEvents>;
  /** Matching events, newest first (ts, then event_id, descending). */
  search(query: SearchQuery): Promise<StoredEvent[]>;
  count(where: Condition): Promise<number>;
  aggregate(query: AggregateQuery): Promise<AggregateRow[]>;
  /** Every stored event of these messages (enrichment, message history), oldest first. */
  eventsByMessageIds(messageIds: readonly string[], where?: Condition): Promise<StoredEvent[]>;
  /** Event ids stored with ts >= since, in chunks: the ingest de-duplicator's memory after a restart. */
  eventIdsSince(since: number): AsyncIterable<string[]>;
  batches(query: BatchQuery): Promise<BatchRecord[]>;
  countBatches(query: BatchQuery): Promise<number>;
  batchByHash(contentHash: string): Promise<BatchRecord | undefined>;
  batchById(batchId: string): Promise<BatchRecord | undefined>;
  failures(batchId: string): Promise<FailedEvent[]>;
  /** Retention: removes events of whole UTC days before `day` (Unix seconds; rounded down to 00:00). */
  dropEventDaysBefore(day: number): Promise<void>;
  /** Removes batch records (and their failed lines) received before `ms` (milliseconds). */
  dropBatchesBefore(ms: number): Promise<void>;
  /** Computes one day of the cohort rollup (cohorts.ts) from the events and replaces that day. */
  computeCohortDay(spec: CohortDaySpec): Promise<void>;
  /** Which days the rollup holds, oldest first. */
  cohortDays(): Promise<CohortDayState[]>;
  /** Sums over the rollup. */
  cohortAggregate(query: CohortQuery): Promise<CohortRow[]>;
  /** Retention of the rollup: removes days before `day` (00:00 UTC, Unix seconds). */
  dropCohortDaysBefore(day: number): Promise<void>;
  /**
   * Counts the spam-trap hits of every stored day for this list (trap-days.ts), unless the store
   * already holds counts for it; from then on `computeCohortDay` recounts its day's hits too.
   */
  countTrapDays(traps: TrapCounting): Promise<void>;
  /**
   * Sums of the precomputed trap hits over rollup columns (values per trap kind), or undefined when
   * the store holds no counts for the list with this fingerprint (the caller counts the events).
   */
  trapAggregate(query: CohortQuery, fingerprint: string): Promise<AggregateRow[] | undefined>;
  close(): Promise<void>;
}
