// The measured side: one Outpost connector in this process (pinned to one CPU by run.ts) takes N
// events from the bus, selects, maps, stages and uploads them to the receiver. Prints
// {"events":N,"seconds":S} once the receiver has acknowledged all of them.
// Usage: connector-side.ts RECEIVER-PORT EVENTS STAGING-DIR
import { EventBus } from '../../src/events/index.js';
import { SignalsConnector } from '../../src/events/signals/index.js';
import { silentLogger } from '../../src/logging.js';
import { signalsConfig } from '../../test/events/signals/helpers/config.js';
import { mixedEvents } from '../../test/events/signals/helpers/events.js';

const [port, count, dir] = process.argv.slice(2) as [string, string, string];
const total = Number(count);
const bus = new EventBus();
const connector = new SignalsConnector(
  signalsConfig({ url: `http://127.0.0.1:${port}/api/v1/ingest/events`, signals: 'log-verbose false' }),
  bus,
  silentLogger(),
  { stagingDir: dir, uploadIntervalMs: 1000 },
);
await connector.start();

// Built before the clock starts: producing events is the SMTP listener's cost, not the connector's.
const events = mixedEvents(total, Date.now());
const BATCH = 2000;
const started = performance.now();
let next = 0;
await new Promise<void>((resolve) => {
  const emitBatch = () => {
    const end = Math.min(total, next + BATCH);
    for (; next < end; next++) bus.emit(events[next]!);
    if (next < total) setImmediate(emitBatch);
    else resolve();
  };
  emitBatch();
});
await connector.uploadNow(); // the interval's roll and upload, without waiting for the tick
while (connector.stats.uploaded < total) {
  await connector.whenIdle();
  if (connector.stats.uploaded < total) await connector.uploadNow();
}
const seconds = (performance.now() - started) / 1000;
await connector.stop();
process.stdout.write(`${JSON.stringify({ events: total, seconds, stats: connector.stats })}\n`);
