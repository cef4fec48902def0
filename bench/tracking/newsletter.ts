// A realistic marketing message for the rewrite benchmark: multipart/alternative, a text part and a
// quoted-printable HTML part of about `bytes` bytes with table layout, images and a link every ~600
// bytes (a 100 kB newsletter then has ~170 links, in line with what ESP templates carry).
import { encodeQuotedPrintable } from '../../src/tracking/transfer-encoding.js';

function row(i: number): string {
  return (
    `<tr><td class="item" style="padding:12px 16px;font-family:Arial,sans-serif">` +
    `<a href="https://shop.example.com/p/${i}?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=spring">` +
    `<img src="https://cdn.example.com/i/${i}.jpg" width="140" height="140" alt="Product ${i}" style="display:block"></a>` +
    `</td><td style="padding:12px 16px;font-family:Arial,sans-serif;color:#333">` +
    `<h3 style="margin:0 0 6px">Product number ${i}</h3><p style="margin:0 0 8px">Fresh this week: a short` +
    ` description of the product that goes on for a line or two, café prices included.</p>` +
    `<a href="https://shop.example.com/p/${i}/buy" style="color:#1a73e8">Buy now</a></td></tr>\r\n`
  );
}

export function newsletterHtml(bytes: number): string {
  const head =
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Spring deals</title>' +
    '<style>.item img{border:0}</style></head><body style="margin:0;background:#f4f4f4">\r\n' +
    '<table width="600" align="center" cellpadding="0" cellspacing="0" style="background:#fff">\r\n';
  const tail =
    '</table><p style="font-size:11px"><a href="https://example.com/unsubscribe?u=123">Unsubscribe</a> | ' +
    '<a href="mailto:help@example.com">Help</a></p></body></html>\r\n';
  let rows = '';
  for (let i = 0; head.length + rows.length + tail.length < bytes; i++) rows += row(i);
  return head + rows + tail;
}

export function newsletterMessage(bytes: number): Buffer {
  const html = encodeQuotedPrintable(Buffer.from(newsletterHtml(bytes)), false).toString('latin1');
  return Buffer.from(
    [
      'From: Shop <news@shop.example.com>',
      'To: reader@example.org',
      'Subject: Spring deals',
      'List-Unsubscribe: <https://example.com/unsubscribe?u=123>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Spring deals: https://shop.example.com/',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      html,
      '--b--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}
