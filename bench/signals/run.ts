// bench/signals: how fast each dashboard page's data loads from a Signals server holding 10 million
// events in DuckDB (target: under 300 ms per page, medians). The data set is built once (generate.ts,
// about 12 minutes) and reused; the server then computes its cohort rollup (timed: that is the
// cost of Signals on a big store) and each page's requests are sent together, as the browser
// sends them, several times over. Run under the CPU lock:
//   flock /tmp/outpost-heavy.lock npx tsx bench/signals/run.ts [--events N] [--runs N] [--dir DIR]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/logging.js';
import { SignalsServer } from '../../src/signals/service.js';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { ensureDataset } from './dataset.js';
import { CAMPAIGNS, recipientAddress, trapKind } from './generate.js';
import { pageRequests, type Range } from './pages.js';

const TARGET_MS = 300;
const KEY = 'bench-signals-key-000000000001';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1]! : fallback;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

const events = Number(option('--events', '10000000'));
const runs = Number(option('--runs', '7'));
const recipients = Math.round(events * 0.06);
const dataset = await ensureDataset(option('--dir', '/tmp/outpost-bench-signals'), {
  events,
  days: 30,
  recipients,
  seed: 42,
});
if (dataset.loadSeconds) console.log(`built the data set in ${dataset.loadSeconds.toFixed(0)} s`);

// The spam traps the generator planted, as an operator would list them.
const trapFile = join(dataset.dir, 'traps.txt');
const traps: string[] = [];
for (let r = 0; r < recipients; r++) {
  const kind = trapKind(r);
  if (kind) traps.push(`${kind} ${recipientAddress(r)}`);
}
writeFileSync(trapFile, `${traps.join('\n')}\n`);

// Each run computes the rollup afresh (timed below), so nothing recomputes while pages are measured.
const reset = await DuckDbStore.open({
  path: join(dataset.dir, 'events.duckdb'),
  tmpDir: join(dataset.dir, 'load'),
});
await reset.dropCohortDaysBefore(dataset.end + 86400);
await reset.close();

// The server's clock stands in the last second of the data's last day: that day is "today".
const now = (dataset.end - 1) * 1000;
const server = new SignalsServer({
  listen: { host: '127.0.0.1', port: 0 },
  store: { engine: 'duckdb', dataPath: dataset.dir, duckdbThreads: 2 },
  customerId: 1,
  keys: [{ key: KEY, grants: ['events/ingest', 'message_events/view', 'metrics/view', 'signals/view'] }],
  retention: 90 * 86400,
  log: silentLogger(),
  resolveMx: async () => [],
  now: () => now,
  spamTrapList: trapFile,
});
const started = performance.now();
await server.start();
const store = server.store!;
while ((await store.cohortDays()).length < dataset.days) await new Promise((r) => setTimeout(r, 200));
const rollupSeconds = (performance.now() - started) / 1000;
const count = await store.count({ all: [] });
console.log(
  `${count.toLocaleString('en-US')} events over ${dataset.days} days in DuckDB (2 threads), ${traps.length} listed traps; ` +
    `cohort rollup of all days ready ${rollupSeconds.toFixed(1)} s after start`,
);

const url = server.address.url;
async function get(path: string): Promise<void> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: KEY } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

async function measure(requests: string[]): Promise<number> {
  const t = performance.now();
  await Promise.all(requests.map(get));
  return performance.now() - t;
}

const last = dataset.end - 86400;
const ranges: Array<[string, Range]> = [
  ['14 days (the default)', { from: day(last - 13 * 86400), to: day(last), after: day(dataset.end) }],
  ['30 days', { from: day(last - 29 * 86400), to: day(last), after: day(dataset.end) }],
  [
    '14 days, one campaign',
    {
      from: day(last - 13 * 86400),
      to: day(last),
      after: day(dataset.end),
      filter: `campaigns=${CAMPAIGNS[3]}`,
    },
  ],
];
let worst = 0;
for (const [label, range] of ranges) {
  console.log(`\n${label}: median of ${runs} loads (after one warm-up), target ${TARGET_MS} ms`);
  for (const [page, requests] of Object.entries(pageRequests(range))) {
    await measure(requests);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await measure(requests));
    const m = median(times);
    if (page !== 'filter bar') worst = Math.max(worst, m);
    const verdict = m <= TARGET_MS ? 'ok' : 'OVER';
    console.log(
      `  ${page.padEnd(12)} ${m.toFixed(0).padStart(5)} ms  (${(m / TARGET_MS).toFixed(2)} of the target, ${requests.length} requests) ${verdict}`,
    );
  }
}

// What keeping Signals fresh costs: recomputing the current day after new events.
const { cohortSpec } = await import('../../src/signals/analytics/rollup-spec.js');
const today = last;
const recompute: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await store.computeCohortDay(cohortSpec(today, dataset.end, false));
  recompute.push(performance.now() - t);
}
console.log(`\nrecomputing the current day's rollup: ${median(recompute).toFixed(0)} ms (median of 3)`);
console.log(`slowest page median: ${worst.toFixed(0)} ms against ${TARGET_MS} ms`);
await server.stop();
