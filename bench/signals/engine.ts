// One engine's query and page figures on the data set: a Signals server in this process (its clock
// in the last second of the data's last day), the cohort rollup recomputed from nothing and timed
// (what Signals costs on a big store), then each store query and each dashboard page's requests
// (sent together, as the browser sends them) timed `runs` times after a warm-up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cohortSpec } from '../../src/signals/analytics/rollup-spec.js';
import { SignalsServer } from '../../src/signals/service.js';
import { openStore, type StoreSettings } from '../../src/signals/store/open.js';
import { CLICKHOUSE_DATABASE, type Dataset } from './dataset.js';
import { CAMPAIGNS, recipientAddress, trapKind } from './generate.js';
import { BENCH_KEY, benchServerOptions } from './key.js';
import { pageRequests, type Range } from './pages.js';
import { storeQueries } from './queries.js';

export interface EngineFigures {
  rollupSeconds: number;
  /** Median milliseconds by measure name. */
  medians: Record<string, number>;
  targets: Record<string, number>;
}

const PAGE_TARGET = 300;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** The spam traps the generator planted, as an operator would list them. */
function trapFile(dataset: Dataset): string {
  const file = join(dataset.dir, 'traps.txt');
  const traps: string[] = [];
  for (let r = 0; r < dataset.recipients; r++) {
    const kind = trapKind(r);
    if (kind) traps.push(`${kind} ${recipientAddress(r)}`);
  }
  writeFileSync(file, `${traps.join('\n')}\n`);
  return file;
}

export async function measureEngine(
  engine: 'duckdb' | 'clickhouse',
  dataset: Dataset,
  clickhouseUrl: string,
  runs: number,
): Promise<EngineFigures> {
  const settings: StoreSettings = {
    engine,
    dataPath: dataset.dir,
    duckdbThreads: 2,
    clickhouse: { url: clickhouseUrl, database: CLICKHOUSE_DATABASE },
  };
  // Each run computes the rollup afresh (timed), so nothing recomputes while pages are measured.
  const reset = await openStore(settings);
  await reset.dropCohortDaysBefore(dataset.end + 86400);
  await reset.close();
  const now = (dataset.end - 1) * 1000;
  const server = new SignalsServer({ ...benchServerOptions(settings, now), spamTrapList: trapFile(dataset) });
  const started = performance.now();
  await server.start();
  try {
    while ((await server.store!.cohortDays()).length < dataset.days)
      await new Promise((r) => setTimeout(r, 200));
    const rollupSeconds = (performance.now() - started) / 1000;
    const get = async (path: string) => {
      const response = await fetch(`${server.address.url}${path}`, { headers: { authorization: BENCH_KEY } });
      if (!response.ok) throw new Error(`${engine} ${path}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    const time = async (paths: string[]) => {
      const t = performance.now();
      await Promise.all(paths.map(get));
      return performance.now() - t;
    };
    const medians: Record<string, number> = {};
    const targets: Record<string, number> = {};
    const measure = async (name: string, target: number, paths: (i: number) => string[]) => {
      await time(paths(runs));
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await time(paths(i)));
      medians[name] = median(times);
      if (target) targets[name] = target;
      process.stderr.write(`${engine}: ${name} ${medians[name]!.toFixed(1)} ms\n`);
    };
    for (const q of storeQueries(
      iso(dataset.end - dataset.days * 86400),
      iso(dataset.end),
      dataset.recipients,
    )) {
      await measure(q.name, q.target, (i) => [q.path(i)]);
    }
    for (const [label, range] of pageRanges(dataset)) {
      for (const [page, requests] of Object.entries(pageRequests(range))) {
        await measure(`page ${page}, ${label}`, page === 'filter bar' ? 0 : PAGE_TARGET, () => requests);
      }
    }
    // What keeping Signals fresh costs: the rollup job recomputes the current day after new events.
    const store = server.store!;
    const today = dataset.end - 86400;
    const recompute: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await store.computeCohortDay(cohortSpec(today, dataset.end, false));
      recompute.push(performance.now() - t);
    }
    medians["recomputing the current day's rollup"] = median(recompute);
    return { rollupSeconds, medians, targets };
  } finally {
    await server.stop();
  }
}

function pageRanges(dataset: Dataset): Array<[string, Range]> {
  const last = dataset.end - 86400;
  const after = day(dataset.end);
  const days14 = { from: day(last - 13 * 86400), to: day(last), after };
  return [
    ['14 days', days14],
    ['30 days', { from: day(last - 29 * 86400), to: day(last), after }],
    ['14 days, one campaign', { ...days14, filter: `campaigns=${CAMPAIGNS[3]}` }],
  ];
}
