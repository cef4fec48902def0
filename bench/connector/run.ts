// bench/connector: events staged and uploaded per second by the Signals connector, against a real
// peer in the same run: GNU gzip (at the connector's level, 3) + curl shipping the same NDJSON, already serialized and split into
// the same 5 MB requests, to the same receiver. The peer does only the transport (no selection, no
// mapping, no staging), so the ratio says how close the whole connector gets to that floor.
// Both sides run pinned to CPU 0, the receiver to CPU 1 (taskset), so "one core" is literal.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/connector/run.ts [--events N] [--runs R]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestLine, SignalsSelector } from '../../src/events/signals/index.js';
import { API_KEY, signalsConfig } from '../../test/events/signals/helpers/config.js';
import { mixedEvents } from '../../test/events/signals/helpers/events.js';
import { recordResult } from '../lib/results.js';
import { median, option, pinned, startReceiver, tsx } from './util.js';

const EVENTS = option('--events', 200_000);
const RUNS = option('--runs', 3);

async function received(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/count`);
  return ((await response.json()) as { events: number }).events;
}

function connectorRun(port: number, work: string): number {
  const dir = join(work, `staging-${Date.now()}`);
  mkdirSync(dir);
  const command = pinned(0, tsx('./connector-side.ts', String(port), String(EVENTS), dir));
  const out = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 20 });
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { events: number; seconds: number };
  return result.events / result.seconds;
}

/** The same lines the connector stages, in files of at most 5 MiB: the peer's input, made untimed. */
function peerInput(work: string): string {
  const dir = join(work, 'peer');
  mkdirSync(dir);
  const config = signalsConfig();
  const selector = new SignalsSelector(config);
  const options = { privacy: 'retain' as const, engagementTracking: false };
  let file: string[] = [];
  let bytes = 0;
  let n = 0;
  const write = () => {
    writeFileSync(join(dir, `${String(n++).padStart(6, '0')}.json`), file.join(''));
    file = [];
    bytes = 0;
  };
  for (const [i, event] of mixedEvents(EVENTS, Date.now()).entries()) {
    const line = `${ingestLine(event, selector.select(event)!, String(1e15 + i), options)}\n`;
    if (bytes + line.length > 5 * 1024 * 1024) write();
    file.push(line);
    bytes += line.length;
  }
  write();
  return dir;
}

function peerRun(port: number, input: string): number {
  const script = `for f in "$0"/*.json; do gzip -3 -c "$f" | curl -sS --fail -o /dev/null \\
    -H 'Content-Type: application/x-ndjson' -H 'Content-Encoding: gzip' -H "Authorization: $2" \\
    --data-binary @- "$1" || exit 1; done`;
  const command = pinned(0, [
    'bash',
    '-c',
    script,
    input,
    `http://127.0.0.1:${port}/api/v1/ingest/events`,
    API_KEY,
  ]);
  const started = performance.now();
  execFileSync(command[0]!, command.slice(1), { stdio: 'inherit' });
  return EVENTS / ((performance.now() - started) / 1000);
}

const work = mkdtempSync(join(tmpdir(), 'outpost-bench-connector-'));
const { child, port } = await startReceiver();
try {
  const input = peerInput(work);
  const ours: number[] = [];
  const peer: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const [side, results, measure] of [
      ['connector', ours, () => connectorRun(port, work)],
      ['gzip+curl', peer, () => peerRun(port, input)],
    ] as const) {
      const before = await received(port);
      const rate = measure();
      const got = (await received(port)) - before;
      if (got !== EVENTS) throw new Error(`${side}: receiver got ${got} events, expected ${EVENTS}`);
      results.push(rate);
      console.log(`run ${run + 1}  ${side.padEnd(10)} ${Math.round(rate).toLocaleString('en')} events/s`);
    }
  }
  const a = median(ours);
  const b = median(peer);
  console.log(`\n${EVENTS.toLocaleString('en')} events, median of ${RUNS} runs, each side pinned to one CPU`);
  console.log(`connector (select, map, stage, gzip, POST): ${Math.round(a).toLocaleString('en')} events/s`);
  console.log(`peer gzip -3 | curl (transport only):       ${Math.round(b).toLocaleString('en')} events/s`);
  console.log(`ratio connector / peer: ${(a / b).toFixed(2)}`);
  console.log(`target >= 50,000 events/s: ${a >= 50_000 ? 'met' : 'NOT met'}`);
  recordResult({
    bench: 'connector',
    figure: 'events staged, gzipped and uploaded',
    unit: 'events/s',
    outpost: a,
    peer: b,
    peerName: 'gzip -3 | curl (transport only)',
    better: 'higher',
    target: 50_000,
  });
} finally {
  child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
