// The measured Signals server in a process of its own, as in production (the uploading client's
// work stays out of its CPU time). Its clock is fixed at NOW so the cached uploads stay "recent".
// Prints {"url": …} once listening; stops on SIGTERM.
// Usage: server.ts ENGINE DATA-DIR NOW-MS [CLICKHOUSE-URL DATABASE]
import { SignalsServer } from '../../src/signals/service.js';
import { benchServerOptions } from './key.js';

const [engine, dataPath, nowMs, url, database] = process.argv.slice(2) as [
  'duckdb' | 'clickhouse',
  string,
  string,
  string?,
  string?,
];
const server = new SignalsServer(
  benchServerOptions(
    { engine, dataPath, clickhouse: url && database ? { url, database } : undefined, duckdbThreads: 2 },
    Number(nowMs),
  ),
);
await server.start();
console.log(JSON.stringify({ url: server.address.url }));
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
