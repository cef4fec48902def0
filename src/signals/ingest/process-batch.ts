// Decides what one journaled batch becomes: its events (validated, de-duplicated, enriched), the
// lines that failed and why, and the batch record the status API reports (reference
// sparkpost-api.md §1.5–1.6: success, validation, decompress, duplicate_batch, empty_batch).
import type { Enricher } from '../enrich/enricher.js';
import type { StoredEvent } from '../store/columns.js';
import type { BatchRecord, FailedEvent, StagedEvents, StageFill } from '../store/types.js';
import { type DecodedBatch, DecompressError } from './decode.js';
import type { EventIdSet } from './dedupe.js';
import type { JournalEntry } from './journal.js';
import { InvalidEvent, normalizeLine } from './normalize.js';

/** How long batch records are kept (SparkPost shows expiration ≈ 10 days after the upload). */
export const BATCH_RETENTION = 10 * 86400;
const MAX_FAILED_TEXT = 64 * 1024;
/**
 * Lines validated, enriched and staged together. A 5 MiB upload holds about 12,000 events; as
 * objects all at once they outlive V8's young generation and are collected expensively. Slices
 * are handed to the store and dropped while still young (garbage collection time measured in
 * bench/signals).
 */
const SLICE = 2000;

export interface BatchOutcome {
  /**
   * The events staged for the write so far, this batch's new ones included (stage()'s handle);
   * undefined when the batch staged nothing (it could not be read, or was empty).
   */
  events?: StagedEvents;
  count: number;
  record: BatchRecord;
  failures: FailedEvent[];
  /**
   * Events held back, not staged: they inherit from an injection neither in memory nor in the
   * store yet. Uploads sent in parallel arrive out of order, so the injection is often in a batch
   * processed a moment later; the pipeline enriches these again just before its write.
   */
  held: StoredEvent[];
}

export interface BatchContext {
  ids: EventIdSet;
  enricher: Enricher;
  /** The batch id of an earlier batch with this content, if any. */
  earlierBatch(contentHash: string): Promise<string | undefined>;
  /** Unix seconds. */
  now: number;
  /** How many events this batch may hold back (BatchOutcome.held). */
  holdLimit: number;
  /**
   * The store's stage(), onto the events staged for the same write: events leave the JS heap as
   * soon as a slice is ready, and none stay if the batch fails.
   */
  stage(fill: StageFill): Promise<StagedEvents>;
}

function baseRecord(entry: JournalEntry, now: number): BatchRecord {
  return {
    batch_id: entry.batch_id,
    received_at: entry.received_at,
    processed_at: now * 1000,
    expires_at: entry.received_at + BATCH_RETENTION * 1000,
    customer_id: entry.customer_id,
    subaccount_id: entry.subaccount ?? 0,
    status: 'success',
    retryable: false,
    number_succeeded: 0,
    number_failed: 0,
    number_duplicates: 0,
    content_hash: '',
    first_error: '',
  };
}

/** `decoding` is the batch's body being read and unpacked (started early by the pipeline). */
export async function processBatch(
  entry: JournalEntry,
  decoding: Promise<DecodedBatch>,
  ctx: BatchContext,
): Promise<BatchOutcome> {
  const record = baseRecord(entry, ctx.now);
  let decoded: DecodedBatch;
  try {
    decoded = await decoding;
  } catch (error) {
    if (!(error instanceof DecompressError)) throw error;
    return {
      count: 0,
      failures: [],
      held: [],
      record: { ...record, status: 'decompress', first_error: error.message },
    };
  }
  record.content_hash = decoded.contentHash;
  const lines = decoded.lines;
  if (lines.every((line) => line.trim() === '')) {
    return {
      count: 0,
      failures: [],
      held: [],
      record: { ...record, status: 'empty_batch', first_error: 'the batch holds no events' },
    };
  }
  // The duplicate-batch lookup may wait for a store busy writing: the first slice is validated meanwhile.
  const earlierLookup = ctx.earlierBatch(decoded.contentHash);
  earlierLookup.catch(() => undefined);
  const failures: FailedEvent[] = [];
  // Ids join the shared set only once the batch is done, so a retried batch is not its own duplicate.
  const seen = new Set<string>();
  const held: StoredEvent[] = [];
  /** The events to stage now; those still lacking their injection are held (BatchOutcome.held). */
  const ready = (events: StoredEvent[]): StoredEvent[] => {
    const kept: StoredEvent[] = [];
    for (const e of events)
      (held.length < ctx.holdLimit && ctx.enricher.lacksInjection(e) ? held : kept).push(e);
    return kept;
  };
  const staged = await ctx.stage(async (add) => {
    // Slices whose messages' injections must be looked up in the store wait, with every slice
    // after them (enrichment keeps the line order), for one lookup at the end of the batch.
    const waiting: StoredEvent[][] = [];
    const lookups = new Set<string>();
    const injected = new Set<string>(); // by the waiting slices
    for (let start = 0; start < lines.length; start += SLICE) {
      const events = validate(entry, lines.slice(start, start + SLICE), start, record, ctx, seen, failures);
      if (start === 0 && (await earlierLookup)) return;
      const missing = ctx.enricher.missing(events, injected);
      if (waiting.length || missing.length) {
        waiting.push(events);
        for (const id of missing) lookups.add(id);
        for (const e of events) if (e.type === 'injection' && e.message_id) injected.add(e.message_id);
        continue;
      }
      await ctx.enricher.enrich(events);
      add(ready(events));
    }
    await ctx.enricher.lookUp([...lookups]);
    for (const events of waiting.splice(0)) {
      await ctx.enricher.enrich(events);
      add(ready(events));
    }
  });
  const earlier = await earlierLookup;
  if (earlier) {
    const count = lines.filter((l) => l.trim() !== '').length;
    return {
      events: staged,
      count: 0,
      failures: [],
      held: [],
      record: {
        ...record,
        status: 'duplicate_batch',
        number_duplicates: count,
        first_error: `same content as batch ${earlier}`,
      },
    };
  }
  for (const id of seen) ctx.ids.add(id, ctx.now);
  record.number_succeeded = seen.size;
  record.number_failed = failures.length;
  if (failures.length) {
    record.status = 'validation';
    record.first_error = `line ${failures[0]!.line}: ${failures[0]!.reason}`;
  }
  return { events: staged, count: seen.size, failures, record, held };
}

/**
 * Normalizes lines (the batch's from line `first` on); failures are added to `failures`, duplicates
 * by event_id counted in the record and left out, new ids added to `seen`.
 */
function validate(
  entry: JournalEntry,
  lines: readonly string[],
  first: number,
  record: BatchRecord,
  ctx: BatchContext,
  seen: Set<string>,
  failures: FailedEvent[],
): StoredEvent[] {
  // Age and future checks are against the arrival time, so a batch replayed after downtime is
  // judged as it was when the client sent it.
  const normalize = {
    now: Math.floor(entry.received_at / 1000),
    customerId: entry.customer_id,
    subaccount: entry.subaccount,
  };
  const events: StoredEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      const event = normalizeLine(line, normalize);
      if (ctx.ids.has(event.event_id) || seen.has(event.event_id)) record.number_duplicates += 1;
      else {
        seen.add(event.event_id);
        events.push(event);
      }
    } catch (error) {
      if (!(error instanceof InvalidEvent)) throw error;
      failures.push({
        batch_id: entry.batch_id,
        line: first + i + 1,
        reason: error.message,
        text: line.slice(0, MAX_FAILED_TEXT),
      });
    }
  }
  return events;
}
