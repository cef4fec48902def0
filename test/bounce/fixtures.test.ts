// Every message in test/fixtures/{dsn,arf} against the parse stored next to it (NAME.json). The
// snapshots were reviewed when written; `UPDATE_SNAPSHOTS=1 npm test -- test/bounce` rewrites them
// after a deliberate change, and the diff is then reviewed like code.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { printable } from '../../src/bounce/commands.js';
import { loadPatternFile } from '../../src/bounce/email-patterns.js';
import { parseReport } from '../../src/bounce/parse.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const bodyPatterns = readdirSync(join(FIXTURES, 'patterns')).map((f) =>
  loadPatternFile(join(FIXTURES, 'patterns', f)),
);

describe('report fixtures', () => {
  const files = ['dsn', 'arf'].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((f) => f.endsWith('.eml'))
      .map((f) => join(FIXTURES, dir, f)),
  );

  it('holds at least 60 messages', () => assert.ok(files.length >= 60, `${files.length} fixtures`));

  for (const file of files) {
    it(file.slice(FIXTURES.length), async () => {
      const parsed = JSON.parse(
        JSON.stringify(printable(await parseReport(readFileSync(file), { bodyPatterns }))),
      );
      const snapshot = file.replace(/\.eml$/, '.json');
      if (process.env.UPDATE_SNAPSHOTS || !existsSync(snapshot)) {
        writeFileSync(snapshot, `${JSON.stringify(parsed, null, 2)}\n`);
      }
      assert.deepEqual(parsed, JSON.parse(readFileSync(snapshot, 'utf8')));
    });
  }
});
