// A connector wired to a real receiver, a temporary staging directory and a captured log.
import type { TestContext } from 'node:test';
import { EventBus } from '../../../../src/events/index.js';
import { SignalsConnector, type SignalsConnectorOptions } from '../../../../src/events/signals/index.js';
import { tempDir } from '../../../helpers/tmp.js';
import { ManualClock } from './clock.js';
import { API_KEY, signalsConfig } from './config.js';
import { captureLog } from './log.js';
import { IngestReceiver } from './receiver.js';

export interface Setup {
  receiver: IngestReceiver;
  connector: SignalsConnector;
  bus: EventBus;
  dir: string;
  clock: ManualClock;
  log: ReturnType<typeof captureLog>;
}

export async function setup(
  t: TestContext,
  opts: {
    signals?: string;
    extra?: string;
    options?: SignalsConnectorOptions;
    dir?: string;
    apiKey?: string;
  } = {},
): Promise<Setup> {
  const receiver = await IngestReceiver.start(API_KEY);
  t.after(() => receiver.close());
  const dir = opts.dir ?? tempDir(t, 'outpost-signals-');
  const clock = new ManualClock();
  const config = signalsConfig({ url: receiver.url, signals: opts.signals, extra: opts.extra });
  if (opts.apiKey) config.signals!['api-key'] = opts.apiKey;
  const bus = new EventBus();
  const log = captureLog();
  const connector = new SignalsConnector(config, bus, log.log, {
    stagingDir: dir,
    clock,
    uploadIntervalMs: 60_000,
    freeSpace: async () => Number.MAX_SAFE_INTEGER,
    ...opts.options,
  });
  await connector.start();
  t.after(() => connector.stop());
  return { receiver, connector, bus, dir, clock, log };
}

/** Lets setImmediate callbacks run (the stager writes at the end of the event-loop turn). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
