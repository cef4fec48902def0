import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeJobId } from '../../src/smtp/job-id.js';
import { runCli } from '../helpers/cli.js';

// The seed article's mapping, written out for characters 32–255: everything outside
// A-Za-z0-9!#$%&'()*+,-./:;<=>?@[\]^_{|}~ becomes "_" (space, ", backtick, DEL and all of 128–255).
const PUBLISHED_32_TO_255 =
  "_!_#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^__abcdefghijklmnopqrstuvwxyz{|}~_" +
  '_'.repeat(128);

describe('X-Job safe job ids', () => {
  it('maps characters 32-255 as published', () => {
    const input = Array.from({ length: 224 }, (_, i) => String.fromCharCode(32 + i)).join('');
    assert.equal(safeJobId(input), PUBLISHED_32_TO_255);
  });

  it('replaces each character, not each byte: one "_" per emoji or accented letter', () => {
    assert.equal(safeJobId('Spring Sale 🌸 ünd "more"'), 'Spring_Sale____nd__more_');
    assert.equal(safeJobId('tab\there\nnew'), 'tab_here_new');
  });

  it('outpost job-id prints the same', () => {
    const { status, stdout } = runCli(['job-id', 'Black Friday', '2026 "VIP"']);
    assert.equal(status, 0);
    assert.equal(stdout, 'Black_Friday_2026__VIP_\n');
  });
});
