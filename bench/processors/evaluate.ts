// bench/processors/evaluate.ts: how well Outpost's bounce/FBL parser reads mail it has never seen,
// next to Sisimai (Debian's libsisimai-perl) on the same messages.
//
//   npx tsx bench/processors/evaluate.ts DIR [DIR…]
//
// DIR holds one message per file (*.eml, or any file with --all). Each is parsed by
// src/bounce/parse.ts and by Sisimai (evaluate-sisimai.pl, one perl process for all files); the
// table gives how many each recognizes and, where both do, how often they name the same recipients
// and the same status class (2/4/5), then lists every miss and disagreement by file name.
//
// The corpora: Sisimai's and flufl.bounce's public test mail (sisimai/p5-sisimai
// set-of-emails/maildir/bsd and eg/maildir-as-a-sample/new; flufl/bounce/tests/data). Fetch a
// sample into /tmp (never into the repository): they are used to judge the parser on mail it was
// not written against, so they must stay out of test/fixtures (issue 7). A regression found here
// gets its own synthetic fixture in our own words and addresses, never a copy of a corpus message.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReport } from '../../src/bounce/parse.js';

interface Reading {
  recognized: boolean;
  fbl: boolean;
  recipients: Set<string>;
  classes: Set<string>;
}

interface SisimaiRecord {
  recipient: string;
  deliverystatus: string;
  reason: string;
}

const args = process.argv.slice(2);
const all = args.includes('--all');
const dirs = args.filter((a) => a !== '--all');
if (dirs.length === 0) {
  console.error('usage: npx tsx bench/processors/evaluate.ts [--all] DIR [DIR…]');
  process.exit(2);
}
const files = dirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => (all || f.endsWith('.eml')) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f)),
);

const classOf = (status: string | undefined) => (status && /^[245]\./.test(status) ? status[0]! : undefined);
const defined = <T>(values: (T | undefined)[]) => new Set(values.filter((v): v is T => v !== undefined));

async function outpost(file: string): Promise<Reading> {
  try {
    const report = await parseReport(readFileSync(file));
    return {
      recognized: report.kind !== 'unrecognized',
      fbl: report.kind === 'fbl',
      recipients: new Set(report.recipients.map((r) => r.address.toLowerCase())),
      classes: defined(report.recipients.map((r) => classOf(r.status))),
    };
  } catch {
    return { recognized: false, fbl: false, recipients: new Set(), classes: new Set() };
  }
}

function sisimai(paths: string[]): Map<string, Reading> {
  const script = fileURLToPath(new URL('evaluate-sisimai.pl', import.meta.url));
  const out = execFileSync('perl', [script, ...paths], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'], // Sisimai 4.25 warns on some messages; the records are on stdout
  });
  const readings = new Map<string, Reading>();
  for (const line of out.split('\n').filter(Boolean)) {
    const { file, records } = JSON.parse(line) as { file: string; records: SisimaiRecord[] };
    readings.set(file, {
      recognized: records.length > 0,
      fbl: records.some((r) => r.reason === 'feedback'),
      recipients: new Set(records.map((r) => r.recipient.toLowerCase())),
      classes: defined(records.map((r) => classOf(r.deliverystatus))),
    });
  }
  return readings;
}

const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const list = (s: Set<string>) => [...s].sort().join(',') || '-';
const pct = (n: number, of: number) => (of === 0 ? 'n/a' : `${((100 * n) / of).toFixed(1)}%`);

const peer = sisimai(files);
const ours = new Map<string, Reading>();
for (const f of files) ours.set(f, await outpost(f));

const notes: string[] = [];
let oursRecognized = 0;
let peerRecognized = 0;
let both = 0;
let sameRecipients = 0;
let classCompared = 0;
let sameClass = 0;
for (const f of files) {
  const o = ours.get(f)!;
  const s = peer.get(f) ?? {
    recognized: false,
    fbl: false,
    recipients: new Set<string>(),
    classes: new Set<string>(),
  };
  const name = basename(f);
  if (o.recognized) oursRecognized++;
  if (s.recognized) peerRecognized++;
  if (!o.recognized || !s.recognized) {
    if (o.recognized !== s.recognized) {
      notes.push(
        `${name}: ${o.recognized ? 'sisimai' : 'outpost'} misses (other: ${list(o.recognized ? o.recipients : s.recipients)})`,
      );
    }
    continue;
  }
  both++;
  if (same(o.recipients, s.recipients)) sameRecipients++;
  else notes.push(`${name}: recipients outpost ${list(o.recipients)} / sisimai ${list(s.recipients)}`);
  if (o.fbl !== s.fbl)
    notes.push(`${name}: kind outpost ${o.fbl ? 'fbl' : 'bounce'} / sisimai ${s.fbl ? 'fbl' : 'bounce'}`);
  if (o.classes.size === 0 && s.classes.size === 0) continue; // FBLs: no status on either side
  classCompared++;
  if (same(o.classes, s.classes)) sameClass++;
  else notes.push(`${name}: status class outpost ${list(o.classes)} / sisimai ${list(s.classes)}`);
}

const n = files.length;
console.log(`corpus:                         ${dirs.join(' ')}`);
console.log(`messages:                       ${n}`);
console.log(`outpost recognized:             ${oursRecognized} (${pct(oursRecognized, n)})`);
console.log(`sisimai recognized:             ${peerRecognized} (${pct(peerRecognized, n)})`);
console.log(`both recognized:                ${both}`);
console.log(`  same recipient set:           ${sameRecipients} (${pct(sameRecipients, both)})`);
console.log(
  `  same status class (2/4/5):    ${sameClass} of ${classCompared} with a status (${pct(sameClass, classCompared)})`,
);
console.log(`misses and disagreements (${notes.length}):`);
for (const note of notes) console.log(`  ${note}`);
