// Outpost's side of bench/tracking: the Signals server (embedded DuckDB store) with its tracking
// endpoint, on 127.0.0.1 port 0. Prints its port. A bench-only route, GET /bench/stats, waits until
// every hit so far is stored and counts the tracking events in the store.
// Arguments: API key, customer id, data directory.
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/logging.js';
import { SignalsServer } from '../../src/signals/service.js';

const [apiKey, customerId, dataPath] = process.argv.slice(2) as [string, string, string];
const server: SignalsServer = new SignalsServer({
  listen: { host: '127.0.0.1', port: 0 },
  store: { engine: 'duckdb', dataPath, duckdbThreads: 1 },
  customerId: Number(customerId),
  keys: [{ key: apiKey, grants: ['events/ingest'] }],
  retention: 90 * 86400,
  log: silentLogger(),
  resolveMx: async () => [],
  routes: [
    (app: FastifyInstance) =>
      app.get('/bench/stats', async () => {
        await server.tracking!.flush();
        const where = { column: 'type', in: ['initial_open', 'open', 'click'] } as const;
        return { stored: await server.store!.count(where) };
      }),
  ],
});
await server.start();
process.stdout.write(`${server.address.port}\n`);
process.on('SIGTERM', () => {
  void server.stop().finally(() => process.exit(0));
});
