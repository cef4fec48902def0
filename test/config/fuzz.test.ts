// Bad input never crashes or hangs the loader: random bytes, truncations, unbalanced tags, huge
// lines and binary files always come back as positioned diagnostics. A seeded PRNG keeps runs
// repeatable; OUTPOST_FUZZ_SEED replays a failing seed, OUTPOST_FUZZ_RUNS runs more cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, loadConfigText } from '../../src/config/index.js';
import { seededRandom as prng } from '../helpers/prng.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const SEED_CONFIG = readFileSync(
  fileURLToPath(new URL('../../../shared/examples/seed-signals-demo.config', import.meta.url)),
  'utf8',
);
const RUNS = Number(process.env.OUTPOST_FUZZ_RUNS ?? 400);

const FRAGMENTS = [
  '<',
  '>',
  '</',
  '<domain *>',
  '</domain>',
  '"',
  '\\',
  '#',
  '\n',
  ',',
  '$',
  '/',
  '\0',
  '\r\n',
  'include *',
  ' ',
];

function mutate(text: string, random: () => number): string {
  let out = text;
  const steps = 1 + Math.floor(random() * 8);
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(random() * (out.length + 1));
    const choice = random();
    if (choice < 0.3)
      out = out.slice(0, at); // truncate
    else if (choice < 0.6)
      out = out.slice(0, at) + FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] + out.slice(at);
    else if (choice < 0.8) out = out.slice(0, at) + out.slice(at + Math.floor(random() * 40));
    else out = out.slice(0, at) + String.fromCharCode(Math.floor(random() * 0xffff)) + out.slice(at);
  }
  return out;
}

function assertPositioned(
  diagnostics: ReturnType<typeof loadConfigText>['diagnostics'],
  lines: number,
  file?: string,
) {
  for (const d of diagnostics.filter((x) => file === undefined || x.file === file)) {
    assert.ok(
      Number.isInteger(d.line) && d.line >= 0 && d.line <= lines + 1,
      `line ${d.line} outside the file`,
    );
    assert.ok(
      d.message.length > 0 && d.message.length < 400,
      `message too long or empty: ${d.message.slice(0, 80)}`,
    );
  }
}

describe('config loader on hostile input', () => {
  it(`survives ${RUNS} random mutations of the seed config`, { timeout: 120_000 }, (t) => {
    // Mutations may add `include *`: give the text a home in an empty directory of its own.
    const file = join(tempDir(t), 'fuzz.config');
    const base = Number(process.env.OUTPOST_FUZZ_SEED ?? 20261128);
    for (let run = 0; run < RUNS; run++) {
      const random = prng(base + run);
      const text = mutate(SEED_CONFIG, random);
      let result: ReturnType<typeof loadConfigText>;
      try {
        result = loadConfigText(text, file);
      } catch (error) {
        assert.fail(`seed ${base + run} threw: ${(error as Error).stack}`);
      }
      assertPositioned(result.diagnostics, text.split('\n').length, file);
    }
  });

  it('reports random binary files as positioned errors', { timeout: 60_000 }, (t) => {
    const dir = tempDir(t);
    const random = prng(7);
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
      writeFiles(dir, { [`bin${i}`]: bytes });
      const { diagnostics } = loadConfigFile(join(dir, `bin${i}`));
      assert.ok(
        diagnostics.some((d) => d.severity === 'error' && d.line >= 1),
        'binary input must produce an error with a line',
      );
      assert.ok(diagnostics.length <= 220, `too many diagnostics (${diagnostics.length})`);
    }
  });

  it('handles 1 MB lines quickly and echoes only a short excerpt', { timeout: 30_000 }, () => {
    const huge = 'x'.repeat(1024 * 1024);
    for (const text of [
      huge,
      `host-name ${huge}`,
      `<domain ${huge}`,
      `<${huge}>`,
      `"${huge}`,
      `${huge}\n`.repeat(3),
    ]) {
      const started = process.hrtime.bigint();
      const { diagnostics } = loadConfigText(text, 'huge.config');
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 5000, `took ${ms} ms`);
      assertPositioned(diagnostics, 3);
    }
  });

  it('reports deeply unbalanced and truncated structures without crashing', () => {
    const opens = '<virtual-mta a>\n'.repeat(5000);
    const { diagnostics } = loadConfigText(opens, 'deep.config');
    assert.ok(diagnostics.length > 0 && diagnostics.length <= 101);
    const closes = '</domain>\n'.repeat(5000);
    assert.ok(loadConfigText(closes, 'c').diagnostics.length <= 101);
    for (let cut = 0; cut < SEED_CONFIG.length; cut += 97)
      loadConfigText(SEED_CONFIG.slice(0, cut), 'cut.config');
  });
});
