// An ingest pipeline over a given DuckDB store, its journal in `dir`, for tests that drive it batch
// by batch. Injections are looked up through `lookups` (the store itself unless a test interposes).
import { join } from 'node:path';
import { silentLogger } from '../../src/logging.js';
import { Enricher } from '../../src/signals/enrich/enricher.js';
import { MxProviderCache } from '../../src/signals/enrich/mx-cache.js';
import { IngestJournal } from '../../src/signals/ingest/journal.js';
import { IngestPipeline, type PipelineOptions } from '../../src/signals/ingest/pipeline.js';
import type { EventStore } from '../../src/signals/store/types.js';

export async function startPipeline(
  dir: string,
  store: EventStore,
  options: Partial<PipelineOptions> & { lookups?: Pick<EventStore, 'eventsByMessageIds'> } = {},
): Promise<IngestPipeline> {
  const { lookups = store, ...rest } = options;
  const pipeline = new IngestPipeline({
    store,
    journal: new IngestJournal(join(dir, 'journal')),
    enricher: new Enricher({ mx: new MxProviderCache({ resolve: async () => [] }), store: lookups }),
    log: silentLogger(),
    lingerMs: 1000,
    ...rest,
  });
  await pipeline.start();
  return pipeline;
}
