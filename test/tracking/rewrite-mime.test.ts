// Transfer encodings, charsets and MIME structures: a real MIME parser (mailparser) reads each
// rewritten message back, and the HTML it finds is the original apart from the tracking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crlf, findTracking, longestLine, MESSAGE_ID, message, parsed, track } from './helpers.js';

const PAGE = '<html><body><p>Grüße — <a href="https://example.com/ü?q=1">link</a></p>\r\n</body></html>\r\n';

function single(contentType: string, encoding: string, body: string): Buffer {
  return Buffer.from(
    message([`Content-Type: ${contentType}`, `Content-Transfer-Encoding: ${encoding}`], body),
    'latin1',
  );
}

async function roundTrip(bytes: Buffer) {
  const tracked = track(bytes);
  const out = tracked.forRecipient('rcpt@example.org', MESSAGE_ID);
  const mail = await parsed(out);
  return { tracked, out, mail, found: findTracking(String(mail.html)) };
}

/** The HTML with the tracking taken out again: pixels dropped, links back to their targets. */
function untracked(html: string, found: ReturnType<typeof findTracking>): string {
  let text = html.replace(/<div style="[^"]*"><img [^>]*\/><\/div>/, '').replace(/<img border="0"[^>]*>/, '');
  for (const link of found.links)
    text = text.replace(/"https:\/\/t\.example\.net\/c\/[^"]+"/, `"${link.url}"`);
  return text;
}

describe('tracking rewrite: transfer encodings', () => {
  const utf8 = Buffer.from(PAGE, 'utf8');
  const cases: Array<[string, string, string]> = [
    ['8bit', utf8.toString('latin1'), 'quoted-printable'],
    ['base64', `${utf8.toString('base64').replace(/.{76}(?!$)/g, '$&\r\n')}\r\n`, 'base64'],
    ['quoted-printable', qp(utf8), 'quoted-printable'],
    ['binary', utf8.toString('latin1'), 'quoted-printable'],
  ];
  for (const [encoding, body, expected] of cases) {
    it(`${encoding} in, ${expected} out, content intact`, async () => {
      const { out, mail, found } = await roundTrip(single('text/html; charset=utf-8', encoding, body));
      assert.equal(mail.headers.get('content-transfer-encoding'), expected);
      assert.equal(found.pixels.length, 2);
      assert.deepEqual(
        found.links.map((l) => l.url),
        ['https://example.com/ü?q=1'],
      );
      assert.equal(untracked(String(mail.html), found), PAGE.replace(/\r\n/g, '\n'));
      assert.ok(longestLine(out) <= 998);
      assert.ok(out.toString('latin1').endsWith('\r\n'), 'the message still ends with a line break');
    });
  }

  it('switches a mostly non-ASCII 8bit part to base64', async () => {
    const japanese = `<html><body>${'日本語のテキスト'.repeat(200)}<a href="https://example.jp/">リンク</a></body></html>`;
    const { mail, found } = await roundTrip(
      single('text/html; charset=utf-8', '8bit', Buffer.from(japanese).toString('latin1')),
    );
    assert.equal(mail.headers.get('content-transfer-encoding'), 'base64');
    assert.equal(untracked(String(mail.html), found), japanese);
  });

  it('keeps every line of a 7bit part within SMTP limits after wrapping long links', async () => {
    const long = `https://example.com/${'p'.repeat(900)}`;
    const html = `<html><body>${`<a href="${long}">x</a>`.repeat(3)}</body></html>`;
    const { out, found } = await roundTrip(single('text/html', '7bit', html));
    assert.equal(found.links.length, 3);
    assert.ok(longestLine(out) <= 998);
  });

  it('leaves parts in encodings it cannot read, and says why', () => {
    const tracked = track(single('text/html', 'x-uuencode', 'begin 644 x\r\nend\r\n'));
    assert.equal(tracked.tracked, false);
    assert.deepEqual(tracked.skipped, ['Content-Transfer-Encoding x-uuencode is not supported']);
  });
});

function qp(bytes: Buffer): string {
  let out = '';
  for (const b of bytes)
    out += b === 61 || b > 126 ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  return out;
}

describe('tracking rewrite: charsets', () => {
  it('keeps ISO-8859-1 bytes as they are and reads link targets in that charset', async () => {
    const latin1 = '<p>Café <a href="https://example.com/?q=café">x</a></p>';
    const bytes = single('text/html; charset=iso-8859-1', '8bit', latin1);
    const { mail, found } = await roundTrip(bytes);
    assert.deepEqual(
      found.links.map((l) => l.url),
      ['https://example.com/?q=café'],
    );
    assert.equal(untracked(String(mail.html), found), latin1);
  });

  it('re-encodes UTF-16 parts as UTF-8, saying so in Content-Type', async () => {
    const html = '<html><body><p>Ωmega <a href="https://example.com/Ω">x</a></p></body></html>';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(html, 'utf16le')]);
    const bytes = single('text/html; charset=utf-16; format=flowed', 'base64', utf16.toString('base64'));
    const { out, mail, found } = await roundTrip(bytes);
    assert.match(out.toString('latin1'), /Content-Type: text\/html; charset=utf-8;\r\n format="flowed"/);
    assert.deepEqual(
      found.links.map((l) => l.url),
      ['https://example.com/Ω'],
    );
    assert.equal(untracked(String(mail.html), found), html);
  });

  it('tracks Shift_JIS parts without changing their bytes', async () => {
    // "表示" in Shift_JIS is 95 5C 8E A6: its second byte is an ASCII backslash.
    const html = `<p>${Buffer.from([0x95, 0x5c, 0x8e, 0xa6]).toString('latin1')} <a href="https://example.jp/">x</a></p>`;
    const { out, mail, found } = await roundTrip(single('text/html; charset=shift_jis', '8bit', html));
    assert.equal(found.links.length, 1);
    assert.ok(out.includes(Buffer.from('=95\\=8E=A6')), 'the Shift_JIS bytes are kept');
    assert.equal(untracked(String(mail.html), found), '<p>表示 <a href="https://example.jp/">x</a></p>');
  });
});

describe('tracking rewrite: MIME structures', () => {
  const attachedHtml = '<html><body><a href="https://attached.example.com/">attached</a></body></html>';
  const forwarded = crlf(
    'Subject: forwarded',
    'Content-Type: text/html',
    '',
    '<a href="https://forwarded.example.com/">fwd</a>',
  );
  const nested = message(
    ['Content-Type: multipart/mixed; boundary="mixed"'],
    crlf(
      '--mixed',
      'Content-Type: multipart/related; boundary="related"',
      '',
      '--related',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain',
      '',
      'plain https://example.com/',
      '--alt',
      'Content-Type: text/html; charset="utf-8"',
      '',
      '<html><body><a href="https://example.com/deep">deep</a><img src="cid:logo"></body></html>',
      '--alt--',
      '--related',
      'Content-Type: image/png',
      'Content-ID: <logo>',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgo=',
      '--related--',
      '--mixedX is not a boundary line',
      '--mixed',
      'Content-Type: text/html; name="page.html"',
      'Content-Disposition: attachment; filename="page.html"',
      '',
      attachedHtml,
      '--mixed',
      'Content-Type: message/rfc822',
      '',
      forwarded,
      '--mixed--',
      'epilogue',
    ),
  );

  it('finds the HTML body deep in multipart/mixed > related > alternative, and only it', async () => {
    const { tracked, out, mail, found } = await roundTrip(Buffer.from(nested));
    assert.equal(tracked.htmlParts, 1);
    assert.deepEqual(
      found.links.map((l) => l.url),
      ['https://example.com/deep'],
    );
    const text = out.toString('latin1');
    assert.ok(text.includes(attachedHtml), 'attached HTML file untouched');
    assert.ok(text.includes(forwarded), 'forwarded message untouched');
    assert.ok(text.includes('--mixedX is not a boundary line'));
    assert.ok(text.endsWith('--mixed--\r\nepilogue'));
    assert.equal(mail.attachments.length, 3);
    assert.match(String(mail.html), /<img src="(cid:logo|data:image\/png;base64,iVBORw0KGgo=)">/);
  });
});
