import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeQuotedPrintable } from '../../src/tracking/transfer-encoding.js';
import { BASE, crlf, findTracking, longestLine, MESSAGE_ID, message, parsed, track } from './helpers.js';

const HTML = [
  '<!DOCTYPE html><html><head><title>Deals</title><style>p{color:red}</style></head>',
  '<body style="margin:0"><p>Hello Caf=C3=A9 <a href=3D"https://shop.example.com/a?x=3D1&amp;y=3D2">shop</a>',
  '<a href=3D"mailto:help@example.com">mail</a> <a href=3D"tel:+15551234">call</a> <a href=3D"#top">top</a>',
  '<a href=3D"javascript:void(0)">js</a> <a name=3D"anchor">no href</a> <a href=3D"">empty</a>',
  '<a data-msys-clicktrack=3D"0" href=3D"https://private.example.com/reset">reset</a>',
  '<a href=3D"http://news.example.com/" data-msys-linkname=3D"News">news</a></p></body></html>',
].join('\r\n');

const TEXT = 'Hello, see https://shop.example.com/a?x=1 and mailto:help@example.com\r\n';

const ALTERNATIVE = message(
  ['Content-Type: multipart/alternative; boundary="b1"'],
  crlf(
    'This is a multi-part message.',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    TEXT,
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    HTML,
    '--b1--',
    '',
  ),
);

function htmlOf(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const start = text.indexOf('\r\n\r\n', text.indexOf('Content-Type: text/html')) + 4;
  const end = text.indexOf('\r\n--b1--', start);
  return decodeQuotedPrintable(Buffer.from(text.slice(start, end), 'latin1')).toString('utf8');
}

describe('tracking rewrite', () => {
  it('adds the two pixels, wraps http(s) links and leaves the rest of the message alone', async () => {
    const tracked = track(ALTERNATIVE);
    assert.equal(tracked.tracked, true);
    assert.equal(tracked.links, 2);
    const out = tracked.forRecipient('Rcpt@Example.org', MESSAGE_ID);
    const html = htmlOf(out);
    const found = findTracking(html);
    assert.deepEqual(found.bad, []);
    assert.deepEqual(
      found.pixels.map((p) => p.kind),
      ['initial_open', 'open'],
    );
    assert.deepEqual(
      found.links.map((l) => [l.url, l.linkName]),
      [
        ['https://shop.example.com/a?x=1&y=2', undefined],
        ['http://news.example.com/', 'News'],
      ],
    );
    for (const token of [...found.pixels, ...found.links]) {
      assert.equal(token.rcpt, 'Rcpt@Example.org');
      assert.equal(token.messageId, MESSAGE_ID);
      assert.equal(token.customerId, 42);
    }
    assert.deepEqual(
      found.hrefs.filter((h) => !h.startsWith(BASE)),
      [
        'mailto:help@example.com',
        'tel:+15551234',
        '#top',
        'javascript:void(0)',
        '',
        'https://private.example.com/reset',
      ],
    );
    assert.ok(!html.includes('data-msys'), 'data-msys-* attributes are removed');
    assert.ok(html.startsWith('<!DOCTYPE html><html><head><title>Deals</title>'));
    assert.match(html, /<body style="margin:0"><div style="[^"]+"><img [^>]+><\/div><p>Hello Café/);
    assert.match(html, /<img border="0" width="1" height="1" alt="" src="[^"]+"><\/body><\/html>$/);

    const original = Buffer.from(ALTERNATIVE, 'latin1');
    const headerEnd = original.indexOf('\r\n\r\n');
    assert.deepEqual(out.subarray(0, headerEnd), original.subarray(0, headerEnd), 'message header unchanged');
    const mail = await parsed(out);
    assert.equal(mail.text, TEXT.replace(/\r\n/g, '\n'));
    assert.ok(out.includes(`\r\n\r\n${TEXT}\r\n--b1`), 'text part bytes unchanged');
    assert.match(
      out.toString('latin1'),
      /List-Unsubscribe: <https:\/\/example.com\/unsubscribe\?u=1>, <mailto:unsub@example.com>/,
    );
    assert.equal(mail.html, html.replace(/\r\n/g, '\n'));
    const htmlPart = out.subarray(out.indexOf('Content-Type: text/html'));
    assert.ok(longestLine(htmlPart) <= 76, 'quoted-printable lines within 76 characters');
  });

  it('gives each recipient its own tokens and otherwise the same bytes', () => {
    const tracked = track(ALTERNATIVE);
    const a = tracked.forRecipient('a@example.org', MESSAGE_ID);
    const b = tracked.forRecipient('b@example.org', MESSAGE_ID);
    const c = tracked.forRecipient('a@example.org', '0000aabbccdd99999999');
    const foundA = findTracking(htmlOf(a));
    const foundB = findTracking(htmlOf(b));
    assert.ok(foundA.pixels.every((p) => p.rcpt === 'a@example.org'));
    assert.ok(foundB.links.every((p) => p.rcpt === 'b@example.org'));
    assert.ok(findTracking(htmlOf(c)).links.every((p) => p.messageId === '0000aabbccdd99999999'));
    const strip = (html: string) => html.replace(/\/[oc]\/[A-Za-z0-9_-]+/g, '/TOKEN');
    assert.equal(strip(htmlOf(a)), strip(htmlOf(b)));
    assert.notEqual(htmlOf(a), htmlOf(b));
  });

  it('returns the very same buffer when there is no HTML to track', () => {
    const plain = Buffer.from(message(['Content-Type: text/plain'], 'https://example.com/\r\n'));
    const tracked = track(plain);
    assert.equal(tracked.tracked, false);
    assert.equal(tracked.forRecipient('x@example.org', MESSAGE_ID), plain);
  });

  it('honours the open, initial-open and click switches', () => {
    const noClicks = findTracking(
      htmlOf(track(ALTERNATIVE, { clickTracking: false }).forRecipient('x@y', MESSAGE_ID)),
    );
    assert.equal(noClicks.links.length, 0);
    assert.equal(noClicks.pixels.length, 2);
    const noOpens = findTracking(
      htmlOf(track(ALTERNATIVE, { openTracking: false }).forRecipient('x@y', MESSAGE_ID)),
    );
    assert.deepEqual([noOpens.pixels.length, noOpens.links.length], [0, 2]);
    const bottomOnly = findTracking(
      htmlOf(track(ALTERNATIVE, { initialOpen: false }).forRecipient('x@y', MESSAGE_ID)),
    );
    assert.deepEqual(
      bottomOnly.pixels.map((p) => p.kind),
      ['open'],
    );
  });

  it('does not wrap links that already go through the tracking domain', () => {
    const once = htmlOf(track(ALTERNATIVE).forRecipient('x@y', MESSAGE_ID));
    const again = ALTERNATIVE.replace(HTML, once.replace(/=/g, '=3D'));
    // Only the link the first pass left alone (its data-msys-clicktrack="0" is gone now) is new.
    const twice = track(again, { openTracking: false });
    assert.equal(twice.links, 1);
    const links = findTracking(htmlOf(twice.forRecipient('x@y', MESSAGE_ID))).links;
    assert.deepEqual(
      links.map((l) => l.url),
      ['https://shop.example.com/a?x=1&y=2', 'https://private.example.com/reset', 'http://news.example.com/'],
    );
  });
});
