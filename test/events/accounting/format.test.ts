import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvLine, parseCsvLine } from '../../../src/events/accounting/csv.js';
import { fieldsFor, unionColumns } from '../../../src/events/accounting/fields.js';
import { formatTime } from '../../../src/events/accounting/format.js';
import { localPartReplacer, redactRecipient, sipHash24 } from '../../../src/events/accounting/privacy.js';

describe('accounting CSV', () => {
  it('quotes only values with commas, quotes or line breaks, and ends records with CRLF', () => {
    assert.equal(csvLine(['d', 'two inches', '2"', 'a,b', '']), 'd,two inches,"2""","a,b",\r\n');
    assert.deepEqual(parseCsvLine('d,"smtp;550 ""x"", y",,z\r\n'), ['d', 'smtp;550 "x", y', '', 'z']);
  });

  it('writes PowerMTA 5.0 iso times in local time, or time_t', () => {
    const ms = Date.UTC(2019, 1, 8, 21, 54, 5);
    assert.match(formatTime(ms, true), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{4}$/);
    assert.equal(formatTime(ms, false), '1549662845');
  });
});

describe('accounting fields', () => {
  it('uses the real 5.x default column order for d records', () => {
    assert.equal(
      fieldsFor('d', []).join(','),
      'type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool',
    );
  });

  it('expands *, removes !field, appends header_NAME, keeps type first', () => {
    assert.deepEqual(
      fieldsFor('d', [
        { type: 'd', fields: ['rcpt', 'header_x-sp-message-id', 'header_x-sp-subaccount-id'] },
      ]),
      ['type', 'rcpt', 'header_x-sp-message-id', 'header_x-sp-subaccount-id'],
    );
    const withoutOrcpt = fieldsFor('b', [{ type: 'b', fields: ['*', '!orcpt', 'header_Message-Id'] }]);
    assert.ok(!withoutOrcpt.includes('orcpt'));
    assert.equal(withoutOrcpt.at(-1), 'header_Message-Id');
  });

  it('builds one header for several types: d/b columns, then f-only, then r-only, then rb-only', () => {
    const columns = unionColumns(['d', 'b', 'f', 'rb', 'r'], []);
    assert.equal(columns[0], 'type');
    assert.equal(columns.at(-1), 'dsnReportingMta');
    assert.ok(columns.indexOf('repSourceIp') > columns.indexOf('vmtaPool'));
    assert.ok(columns.indexOf('rcvSourceIp') > columns.indexOf('header_Subject'));
    assert.equal(new Set(columns).size, columns.length);
  });
});

describe('accounting privacy-policy', () => {
  it('computes SipHash-2-4 (reference vector: key 00..0f, empty message)', () => {
    const key = Buffer.from([...Array(16).keys()]);
    assert.equal(sipHash24(key, Buffer.alloc(0)).toString('hex'), '310e0edd47db6f72');
    assert.equal(sipHash24(key, Buffer.from([...Array(15).keys()])).toString('hex'), 'e545be4961ca29a1');
  });

  it('replaces the lower-cased local part everywhere the recipient appears', () => {
    const hmac = localPartReplacer({ mode: 'hmac-sha256', key: 'k' })!;
    const redacted = redactRecipient(
      'smtp;550 5.1.1 <Jane.Doe@example.com> unknown',
      'Jane.Doe@example.com',
      hmac,
    );
    assert.match(redacted, /^smtp;550 5\.1\.1 <[0-9a-f]{64}@example\.com> unknown$/);
    assert.equal(hmac('JANE'), hmac('jane'));
    const redact = localPartReplacer({ mode: 'redact', key: 'X' })!;
    assert.equal(
      redactRecipient('a-jane=example.com@bounce.example', 'jane@example.com', redact),
      'a-X=example.com@bounce.example',
    );
    assert.equal(localPartReplacer({ mode: 'retain', key: undefined }), undefined);
  });
});
