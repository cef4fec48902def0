import { silentLogger } from '../../src/logging.js';
import type { SignalsServerOptions } from '../../src/signals/service.js';
import type { StoreSettings } from '../../src/signals/store/open.js';

/** The API key the bench's servers accept (every grant). */
export const BENCH_KEY = 'bench-signals-key-000000000001';

/** A bench Signals server on loopback: every grant for BENCH_KEY, no MX lookups, its clock fixed at `nowMs`. */
export function benchServerOptions(store: StoreSettings, nowMs: number): SignalsServerOptions {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    store,
    customerId: 1,
    keys: [
      { key: BENCH_KEY, grants: ['events/ingest', 'message_events/view', 'metrics/view', 'signals/view'] },
    ],
    retention: 90 * 86400,
    log: silentLogger(),
    resolveMx: async () => [],
    now: () => nowMs,
  };
}
