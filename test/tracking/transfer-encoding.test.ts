import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeQuotedPrintable,
  encodeBase64Lines,
  encodeQuotedPrintable,
  nonAsciiShare,
} from '../../src/tracking/transfer-encoding.js';

/** Random text with the awkward bytes: blanks before line breaks, `=`, CR/LF pairs and strays. */
function awkward(length: number): Buffer {
  const alphabet = Buffer.from('ab =\t\r\n\r\n<>"é\x00\xff.');
  const random = randomBytes(length);
  return Buffer.from(random.map((b) => alphabet[b % alphabet.length]!));
}

function assertLines(encoded: Buffer, max: number): void {
  for (const line of encoded.toString('latin1').split('\r\n')) {
    assert.ok(line.length <= max, `line of ${line.length}: ${JSON.stringify(line)}`);
    assert.ok(!/[ \t]$/.test(line), `trailing blank: ${JSON.stringify(line)}`);
    assert.ok(!line.includes('\n') && !line.includes('\r'), 'bare CR or LF in the encoded text');
  }
}

describe('quoted-printable', () => {
  it('decodes soft breaks, padding, either hex case and stray equals signs', () => {
    const input = Buffer.from('a=3D=3db=  \r\nc =\r\nd=\ne=G1 f = \r\ng\t \r\nh=');
    assert.equal(decodeQuotedPrintable(input).toString('latin1'), 'a==bc de=G1 f g\r\nh');
  });

  it('encodes pieces that decode to exactly their concatenation, lines within 76', () => {
    for (let round = 0; round < 200; round++) {
      const pieces = Array.from({ length: 1 + (round % 7) }, (_, i) => awkward((round * 37 + i * 101) % 700));
      const encoded = Buffer.concat(pieces.map((p, i) => encodeQuotedPrintable(p, i < pieces.length - 1)));
      assertLines(encoded, 76);
      assert.deepEqual(decodeQuotedPrintable(encoded), Buffer.concat(pieces), `round ${round}`);
    }
  });

  it('keeps printable ASCII literal and hard line breaks as they are', () => {
    assert.equal(
      encodeQuotedPrintable(Buffer.from('<a href="x">y</a>\r\nz'), false).toString(),
      '<a href=3D"x">y</a>\r\nz',
    );
  });

  it('protects a blank at the end of the last piece but not before a soft break', () => {
    assert.equal(encodeQuotedPrintable(Buffer.from('a '), false).toString(), 'a=20');
    assert.equal(encodeQuotedPrintable(Buffer.from('a '), true).toString(), 'a =\r\n');
    assert.equal(encodeQuotedPrintable(Buffer.from('a\r\n'), true).toString(), 'a\r\n');
  });
});

describe('base64 lines', () => {
  it('wraps at 76 characters without a final break', () => {
    for (const n of [0, 1, 56, 57, 58, 114, 1000, 100_000]) {
      const data = randomBytes(n);
      const encoded = encodeBase64Lines(data);
      assertLines(encoded, 76);
      assert.ok(!encoded.toString().endsWith('\r\n'));
      assert.deepEqual(Buffer.from(encoded.toString(), 'base64'), data);
    }
  });
});

describe('non-ASCII share', () => {
  it('counts bytes that quoted-printable would escape', () => {
    assert.equal(nonAsciiShare(Buffer.from('plain\r\n\ttext')), 0);
    assert.equal(nonAsciiShare(Buffer.from([0xe4, 0x41, 0xe4, 0x41])), 0.5);
    assert.equal(nonAsciiShare(Buffer.alloc(0)), 0);
  });
});
