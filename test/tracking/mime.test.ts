import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findHtmlParts, multipartBodies, parseContentType } from '../../src/tracking/mime.js';

const text = (data: Buffer, [start, end]: [number, number]) => data.toString('latin1', start, end);

describe('tracking MIME walker', () => {
  it('parses Content-Type parameters: quoted, escaped, RFC 2231, repeated', () => {
    const ct = parseContentType(
      'Multipart/Alternative;\tboundary="a \\"b\\" ;c"; charset*=utf-8\'en\'%E2%9C%93; boundary=ignored',
    );
    assert.equal(ct.type, 'multipart/alternative');
    assert.equal(ct.params.get('boundary'), 'a "b" ;c');
    assert.equal(ct.params.get('charset'), '✓');
    assert.equal(parseContentType(undefined).type, 'text/plain');
    assert.equal(parseContentType('garbage').type, 'text/plain');
  });

  it('splits bodies at delimiter lines only, with CRLF or LF line ends', () => {
    for (const nl of ['\r\n', '\n']) {
      const body = Buffer.from(
        ['pre', '--xy', '', 'one', '--xyz', '--xy  ', 'two', '--xy--', 'post'].join(nl),
      );
      const parts = multipartBodies(body, 0, body.length, 'xy').map((r) => text(body, r));
      assert.deepEqual(parts, [`${nl}one${nl}--xyz`, 'two']);
    }
  });

  it('takes a body without its closing delimiter up to the end', () => {
    const body = Buffer.from('--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n');
    assert.deepEqual(
      multipartBodies(body, 0, body.length, 'b').map((r) => text(body, r)),
      ['Content-Type: text/html\r\n\r\n<p>x</p>\r\n'],
    );
  });

  it('reports folded header fields with their byte ranges', () => {
    const message = Buffer.from(
      'Content-Type: text/html;\r\n\tcharset="ISO-8859-1"\r\nContent-Transfer-Encoding:  Quoted-Printable \r\n\r\n<p>x</p>',
    );
    const [part] = findHtmlParts(message);
    assert.ok(part);
    assert.equal(part.charset, 'iso-8859-1');
    assert.equal(part.encoding, 'quoted-printable');
    assert.equal(text(message, [part.bodyStart, part.bodyEnd]), '<p>x</p>');
    assert.equal(
      text(message, [part.fields[0]!.start, part.fields[0]!.end]),
      'Content-Type: text/html;\r\n\tcharset="ISO-8859-1"\r\n',
    );
  });

  it('treats multipart/digest parts as messages and does not enter them', () => {
    const message = Buffer.from(
      'Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--d--\r\n',
    );
    assert.deepEqual(findHtmlParts(message), []);
  });

  it('stops at a nesting depth no real message has', () => {
    let body = 'Content-Type: text/html\r\n\r\n<p>deep</p>';
    for (let i = 0; i < 40; i++)
      body = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--`;
    assert.deepEqual(findHtmlParts(Buffer.from(body)), []);
  });
});
