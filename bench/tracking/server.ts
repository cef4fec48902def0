// Outpost's side of bench/tracking: the tracking routes on fastify with a recorder writing every
// hit to the event store. Prints its port; GET /bench/stats flushes the recorder and counts what the
// store holds. Arguments: API key, customer id, store directory.
import Fastify from 'fastify';
import { silentLogger } from '../../src/logging.js';
import { registerTrackingRoutes, TrackingRecorder, trackingKeyring } from '../../src/tracking/index.js';
import { openBenchStore } from './store.js';

const [apiKey, customerId, dir] = process.argv.slice(2) as [string, string, string];
const store = await openBenchStore(dir);
const recorder = new TrackingRecorder({ sink: store, log: silentLogger() });
const app = Fastify({ logger: false });
registerTrackingRoutes(app, {
  keyring: trackingKeyring([{ key: apiKey, grants: ['events/ingest'] }]),
  customerId: Number(customerId),
  recorder,
});
app.get('/bench/stats', async () => {
  await recorder.flush();
  return { ...recorder.stats, stored: await store.count() };
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => {
  void recorder
    .stop()
    .then(() => app.close())
    .then(() => store.close())
    .finally(() => process.exit(0));
});
