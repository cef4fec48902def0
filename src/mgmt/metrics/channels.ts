// Diagnostics channels the metrics listen on (reference code-style.md §8: observers subscribe,
// producers do not import them). Producers publish only when someone listens.
import { channel } from 'node:diagnostics_channel';

/** The spool made a batch durable: `{ seconds, writes }` (one fdatasync per file it touched). */
export const SPOOL_COMMIT = 'outpost:spool:commit';
/** The Signals server stored a chunk of ingested events: `{ events, batches }`. */
export const SIGNALS_STORED = 'outpost:signals:stored';

export const spoolCommitChannel = channel(SPOOL_COMMIT);
export const signalsStoredChannel = channel(SIGNALS_STORED);
