#!/usr/bin/env node
// `npm run bench [-- NAME ...]`: runs every benchmark in bench/ (or the named ones) one after the
// other, each with its own defaults, and prints one Markdown table of the figures they recorded
// (bench/lib/results.ts): Outpost next to its peer from the same run, and the ratio. The table
// starts with the date and the machine, as the README carries it. A bench that fails is reported
// and the others still run; the exit status says whether all of them succeeded. The soak test runs
// for as long as it is told and only when named (`npm run bench -- soak`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const benchDir = new URL('../bench/', import.meta.url).pathname;
const all = readdirSync(benchDir).filter((name) => existsSync(join(benchDir, name, 'run.ts')));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length) {
  console.error(`no such benchmark: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
const ONLY_WHEN_NAMED = new Set(['soak']);
const names = wanted.length ? wanted : all.filter((name) => !ONLY_WHEN_NAMED.has(name));

const work = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
const resultsFile = join(work, 'results.jsonl');
const failed = [];
for (const name of names) {
  console.error(`\n=== bench/${name} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, name, 'run.ts')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, OUTPOST_BENCH_RESULTS: resultsFile },
  });
  if (run.status !== 0) failed.push(name);
}

const results = existsSync(resultsFile)
  ? readFileSync(resultsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
  : [];
rmSync(work, { recursive: true, force: true });

const format = (n) =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(+n.toPrecision(3));
const advantage = (r) => (r.better === 'higher' ? r.outpost / r.peer : r.peer / r.outpost);
const hasPeer = (r) => typeof r.peer === 'number';
const meets = (r) => {
  const wants = [];
  if (r.target !== undefined)
    wants.push([
      r.better === 'higher' ? r.outpost >= r.target : r.outpost <= r.target,
      `${format(r.target)} ${r.unit}`,
    ]);
  if (r.targetRatio !== undefined && hasPeer(r))
    wants.push([advantage(r) >= r.targetRatio, `${r.targetRatio}x`]);
  return wants.map(([ok, what]) => `${ok ? 'met' : 'MISSED'}: ${what}`).join(', ');
};

const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\nMeasured ${date} on ${machine}.`);
console.log('Ratio = how many times better Outpost is than the peer (above 1: Outpost is ahead).\n');
console.log('| bench | figure | Outpost | peer | peer figure | ratio | target |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  const peer = hasPeer(r) ? `${format(r.peer)} ${r.unit}` : '–';
  const ratio = hasPeer(r) ? `${advantage(r).toFixed(2)}x` : '–';
  const cells = [r.bench, r.figure, `${format(r.outpost)} ${r.unit}`, r.peerName, peer, ratio, meets(r)];
  console.log(`| ${cells.map((cell) => String(cell).replaceAll('|', '\\|')).join(' | ')} |`);
}
if (failed.length) console.log(`\nFailed: ${failed.join(', ')} (see the output above).`);
process.exit(failed.length ? 1 : 0);
