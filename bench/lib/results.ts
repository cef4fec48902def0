// One figure of a benchmark, next to its peer's in the same run. Each bench prints its own table;
// `npm run bench` (scripts/bench.mjs) also collects these records into one table for the README.
// A bench run alone (without OUTPOST_BENCH_RESULTS) records nothing.
import { appendFileSync } from 'node:fs';

export interface BenchResult {
  /** The bench folder, e.g. `inject`. */
  bench: string;
  /** What was measured, e.g. `accepted msg/s, 20 sessions`. */
  figure: string;
  unit: string;
  outpost: number;
  /** Absent only where no real program can do the same work; `peerName` then says why. */
  peer?: number;
  /** The real program measured beside Outpost, e.g. `Postfix 3.7 (hold queue)`. */
  peerName: string;
  /** Whether a bigger number is better (throughput) or a smaller one (latency, memory). */
  better: 'higher' | 'lower';
  /** The target, in `unit`, when it names one. */
  target?: number;
  /** The target as a ratio to the peer (e.g. 4: four times the peer), when it names one. */
  targetRatio?: number;
}

/** Appends one result as a JSON line to the file `npm run bench` named. */
export function recordResult(result: BenchResult): void {
  const file = process.env.OUTPOST_BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
}
