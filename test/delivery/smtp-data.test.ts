// The DATA bytes Outpost writes itself (src/delivery/smtp-data.ts) must be exactly what nodemailer's
// DataStream would have written: compared on the awkward cases and on seeded random text made of
// the bytes that matter, then sent to Postfix's smtp-sink and compared with what it stored.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import { domainSettingsFor, loadConfigText } from '../../src/config/index.js';
import { OutboundSession } from '../../src/delivery/smtp-client.js';
import { smtpData } from '../../src/delivery/smtp-data.js';
import { seededRandom } from '../helpers/prng.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { waitFor } from '../helpers/wait.js';

async function viaDataStream(message: Buffer): Promise<Buffer> {
  const stream = new DataStream();
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  stream.end(message);
  await ended;
  return Buffer.concat(out);
}

const ours = (message: Buffer) => {
  const data = smtpData(message);
  const bytes = Buffer.concat(data.chunks);
  assert.equal(bytes.length, data.length);
  return bytes;
};

const CASES = [
  '',
  '.',
  '..',
  'a',
  'a\r\n',
  '.leading\r\n.\r\n..two\r\nend',
  'bare\nlf\n.dot after bare lf\n',
  'bare\rcr\r.dot after bare cr\r',
  '\r\r\n\n\r.\n.',
  'no final line break',
  'Subject: x\r\n\r\nbody\r\n.\r\nafter a lone dot line\r\n',
];

describe('DATA bytes (smtpData)', () => {
  it('stuffs dots, turns bare CR and LF into CRLF and ends with CRLF.CRLF', () => {
    assert.equal(ours(Buffer.from('.a\nb\r.c')).toString(), '..a\r\nb\r\n..c\r\n.\r\n');
    assert.equal(ours(Buffer.from('x\r\n')).toString(), 'x\r\n.\r\n');
    const clean = Buffer.from('Subject: x\r\n\r\nplain\r\n');
    assert.equal(smtpData(clean).chunks[0], clean, 'a clean message is written as it is, not copied');
  });

  it('matches nodemailer DataStream byte for byte on awkward and seeded random messages', async () => {
    for (const text of CASES) {
      const message = Buffer.from(text);
      assert.deepEqual(ours(message), await viaDataStream(message), JSON.stringify(text));
    }
    const random = seededRandom(4);
    const alphabet = ['a', 'b', '.', '.', '\r', '\n', '\r\n', '\r\n.'];
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(random() * 40);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const message = Buffer.from(text);
      assert.deepEqual(ours(message), await viaDataStream(message), JSON.stringify(text));
    }
  });

  it('reaches Postfix smtp-sink intact: dot lines, bare LF, bare CR, no final CRLF', async (t) => {
    const sink = await startSmtpSink(t);
    const settings = domainSettingsFor(
      loadConfigText('<domain *>\nconnect-timeout 5s\nsmtp-greeting-timeout 5s\n</domain>').config,
      'x.test',
    );
    const session = await OutboundSession.open({
      host: 'sink.test',
      address: '127.0.0.1',
      port: sink.port,
      heloName: 'outpost.test',
      settings,
    });
    t.after(() => session.close());
    const message = Buffer.from(
      'From: a@sender.test\r\nSubject: dots\r\n\r\n.one\r\n..two\r\n.\r\nbare\nlf\n.after lf\nbare\rcr\r.after cr\rlast line',
    );
    const [reply] = await session.send('a@sender.test', ['b@x.test'], message);
    assert.equal(reply!.accepted, true);
    await waitFor(() => readdirSync(sink.dir).length === 1, 'the message in the sink dump');
    const stored = readFileSync(join(sink.dir, readdirSync(sink.dir)[0]!));
    // smtp-sink prefixes its own X-* and Received lines, stores each line unstuffed and ending in
    // LF (a CR left bare would still be in the file), and a blank line after the message.
    const expected =
      'From: a@sender.test\nSubject: dots\n\n.one\n..two\n.\nbare\nlf\n.after lf\n' +
      'bare\ncr\n.after cr\nlast line\n\n';
    const body = stored.subarray(stored.indexOf('From: a@sender.test'));
    assert.equal(body.toString('latin1'), expected);
  });
});
