// The wire reader fed the same bytes cut at every possible place must see the same commands and
// messages (reference code-style.md §11: fuzz the line parser by splitting input at random offsets).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanData } from '../../src/smtp/data.js';
import { SmtpReader } from '../../src/smtp/reader.js';

type Seen = Array<string>;

function feed(chunks: Buffer[], limit = 1_000_000): Seen {
  const seen: Seen = [];
  const reader: SmtpReader = new SmtpReader(
    {
      line: (line) => {
        const text = line.toString('latin1');
        seen.push(`line:${text}`);
        if (text === 'DATA') reader.startData(limit);
        // Some commands answer asynchronously: reading must wait, and keep order.
        if (text.startsWith('MAIL')) return new Promise((resolve) => setImmediate(resolve));
      },
      lineTooLong: () => {
        seen.push('too-long');
      },
      dataEnd: (raw, overflow) => {
        seen.push(overflow ? 'data:overflow' : `data:${cleanData(raw).body.toString('latin1')}`);
      },
    },
    64,
  );
  for (const chunk of chunks) reader.push(chunk);
  return seen;
}

/** Lets the handlers' setImmediate promises run (a timer could fire first on a busy machine). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise(setImmediate);
};

const INPUT = Buffer.from(
  'EHLO a\r\nMAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\nDATA\r\n' +
    'Subject: s\r\n\r\n..leading dot\r\n.\r\nline\r\n.\r\n' +
    'MAIL FROM:<second@y>\r\nDATA\r\n.\r\nQUIT\r\n',
);
const EXPECTED = [
  'line:EHLO a',
  'line:MAIL FROM:<x@y>',
  'line:RCPT TO:<z@w>',
  'line:DATA',
  'data:Subject: s\r\n\r\n.leading dot\r\n',
  'line:line',
  'line:.',
  'line:MAIL FROM:<second@y>',
  'line:DATA',
  'data:',
  'line:QUIT',
];

describe('SMTP wire reader', () => {
  it('reads the same stream the same way wherever it is cut', async () => {
    for (let cut = 1; cut < INPUT.length; cut++) {
      const seen = feed([INPUT.subarray(0, cut), INPUT.subarray(cut)]);
      await settle();
      assert.deepEqual(seen, EXPECTED, `cut at ${cut}`);
    }
    const bytes = [...INPUT].map((b) => Buffer.from([b]));
    const seen = feed(bytes);
    await settle();
    assert.deepEqual(seen, EXPECTED, 'one byte at a time');
  });

  it('drops overlong lines and overlong messages without buffering them', async () => {
    const seen = feed(
      [Buffer.from(`${'x'.repeat(100)}\r\nNOOP\r\nDATA\r\n${'y'.repeat(50)}\r\n.\r\nQUIT\r\n`)],
      10,
    );
    await settle();
    assert.deepEqual(seen, ['too-long', 'line:NOOP', 'line:DATA', 'data:overflow', 'line:QUIT']);
  });
});

describe('DATA cleanup', () => {
  it('unstuffs dots only at line starts, turns bare CR and LF into CRLF, flags NUL', () => {
    const clean = (text: string) => cleanData(Buffer.from(text, 'latin1'));
    assert.equal(clean('..a\r\nb..c\r\n..\r\n').body.toString(), '.a\r\nb..c\r\n.\r\n');
    const bare = clean('a\nb\rc\r\n\n..d\r\n');
    assert.equal(bare.body.toString(), 'a\r\nb\r\nc\r\n\r\n..d\r\n', 'no unstuffing after a bare LF');
    assert.equal(bare.bareLineEnds, 3);
    assert.equal(clean('plain\r\n').body.toString(), 'plain\r\n');
    assert.equal(clean('nul\0\r\n').hasNul, true);
  });
});
