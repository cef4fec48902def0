// Where bench/tracking records hits. Until the Signals server's event store is on main this is an
// NDJSON file appended and fsynced per batch: a durable write per batch, the same shape of work as a
// store commit. (Replaced by the Signals store once it lands.)
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TrackingEvent } from '../../src/tracking/index.js';

export async function openBenchStore(dir: string) {
  const fd = openSync(join(dir, 'events.ndjson'), 'a');
  let stored = 0;
  return {
    async write(events: TrackingEvent[]): Promise<void> {
      writeSync(fd, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
      fsyncSync(fd);
      stored += events.length;
    },
    async count(): Promise<number> {
      return stored;
    },
    async close(): Promise<void> {
      closeSync(fd);
    },
  };
}
