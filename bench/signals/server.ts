// The measured Signals server in a process of its own, as in production (the uploading client's
// work stays out of its CPU time). Its clock is fixed at NOW so the cached uploads stay "recent".
// Prints {"url": …} once listening; stops on SIGTERM.
// Usage: server.ts ENGINE DATA-DIR NOW-MS [CLICKHOUSE-URL DATABASE]
import { silentLogger } from '../../src/logging.js';
import { SignalsServer } from '../../src/signals/service.js';
import { BENCH_KEY } from './key.js';

const [engine, dataPath, nowMs, url, database] = process.argv.slice(2) as [
  'duckdb' | 'clickhouse',
  string,
  string,
  string?,
  string?,
];
const now = Number(nowMs);
const server = new SignalsServer({
  listen: { host: '127.0.0.1', port: 0 },
  store: {
    engine,
    dataPath,
    clickhouse: url && database ? { url, database } : undefined,
    duckdbThreads: 2,
  },
  customerId: 1,
  keys: [
    { key: BENCH_KEY, grants: ['events/ingest', 'message_events/view', 'metrics/view', 'signals/view'] },
  ],
  retention: 90 * 86400,
  log: silentLogger(),
  resolveMx: async () => [],
  now: () => now,
});
await server.start();
console.log(JSON.stringify({ url: server.address.url }));
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
