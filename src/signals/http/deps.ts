// What every route of the Signals server gets: the store, the ingest pipeline, the key table and
// the account's settings. Built once by the service and passed to each route module.
import type { Logger } from '../../logging.js';
import type { SpamTrapList } from '../analytics/traps.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { EventStore } from '../store/types.js';
import type { KeyTable } from './auth.js';

export interface SignalsDeps {
  store: EventStore;
  pipeline: IngestPipeline;
  keys: KeyTable;
  customerId: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Base URL for links this server hands out (batch failure downloads). */
  publicUrl?: string;
  log: Logger;
  /** Seconds of events kept (the Signals rollup keeps as many days). */
  retention?: number;
  /** The operator's spam traps (`spam-trap-list`), when configured. */
  spamTraps?: SpamTrapList;
}
