// bench/processors: reports parsed and turned into event records per second (issue 7 target:
// 2,000/s), over every fixture in test/fixtures/{dsn,arf}, against Sisimai (the bounce parser most
// mail senders use; Debian's libsisimai-perl) on the same messages in the same run.
// `flock /tmp/outpost-heavy.lock npx tsx bench/processors/run.ts [seconds]`. Without Sisimai
// installed it prints Outpost's figure against the target alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportToEvents } from '../../src/bounce/events.js';
import { parseReport } from '../../src/bounce/parse.js';
import { recordResult } from '../lib/results.js';

const TARGET = 2000;
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const seconds = Number(process.argv[2] ?? 5);

const files = ['dsn', 'arf'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.eml'))
    .map((f) => join(FIXTURES, dir, f)),
);
const messages = files.map((f) => readFileSync(f));

async function outpost(): Promise<{ rate: number; events: number }> {
  for (const m of messages) reportToEvents(await parseReport(m)); // warm-up
  let done = 0;
  let events = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (const m of messages) {
      events += reportToEvents(await parseReport(m)).length;
      done++;
    }
  }
  return { rate: done / ((performance.now() - start) / 1000), events: (events / done) * messages.length };
}

function sisimai(): { rate: number; records: number } | undefined {
  if (spawnSync('perl', ['-MSisimai', '-e', '1']).status !== 0) return undefined;
  // Sisimai 4.25 reads a Unix mbox reliably (its Maildir reader found nothing here).
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-mbox-'));
  const mbox = join(dir, 'reports.mbox');
  try {
    const quoted = messages.map(
      (m) =>
        `From MAILER-DAEMON Tue Mar  4 10:00:00 2025\n${m
          .toString('latin1')
          .replace(/\r\n/g, '\n')
          .replace(/^(>*From )/gm, '>$1')}\n`,
    );
    writeFileSync(mbox, quoted.join(''), 'latin1');
    const script = fileURLToPath(new URL('sisimai.pl', import.meta.url));
    const run = (rounds: number) =>
      execFileSync('perl', [script, mbox, String(messages.length), String(rounds)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'], // Sisimai 4.25 warns on some reports; the figures are on stdout
      })
        .trim()
        .split(' ')
        .map(Number);
    // One round to learn its speed, then as many rounds as fit the same time budget.
    const rounds = Math.max(1, Math.round(seconds / run(1)[2]!));
    const [count, records, elapsed] = run(rounds);
    return { rate: count! / elapsed!, records: records! / rounds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ours = await outpost();
console.log(`messages: ${messages.length} fixtures (test/fixtures/dsn, arf), ${seconds}s per side`);
console.log(
  `outpost:  ${ours.rate.toFixed(0)} reports/s parsed and turned into events (${ours.events.toFixed(0)} events per pass); target ${TARGET}/s: ${(ours.rate / TARGET).toFixed(2)}x`,
);
const peer = sisimai();
if (peer) {
  console.log(
    `sisimai:  ${peer.rate.toFixed(0)} messages/s decoded into records (${peer.records.toFixed(0)} records per pass)`,
  );
  console.log(`ratio:    outpost / sisimai = ${(ours.rate / peer.rate).toFixed(2)}`);
  recordResult({
    bench: 'processors',
    figure: 'bounce and FBL reports parsed',
    unit: 'reports/s',
    outpost: ours.rate,
    peer: peer.rate,
    peerName: 'Sisimai (Perl)',
    better: 'higher',
    target: TARGET,
  });
} else {
  console.log('sisimai:  not installed (apt-get install libsisimai-perl): no peer figure in this run');
}
