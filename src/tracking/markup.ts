// The bytes tracking puts into HTML, split around the token, with the part before it also encoded
// as quoted-printable once, so a recipient's slot is a few string pieces joined. The pixel markup is what SparkPost's own reference tracker writes (sparkpost-api.md §7,
// SPT wrap_html.go): the top (initial_open) pixel hidden in a zero-size div, the bottom (open)
// pixel a bare 1x1 image. A wrapped link replaces the whole href value, quotes included.

import { CLICK_SEGMENT, PIXEL_SEGMENT } from './settings.js';
import type { TrackKind } from './token.js';
import { encodeQuotedPrintable } from './transfer-encoding.js';

const HIDDEN_DIV =
  'color:transparent;visibility:hidden;opacity:0;font-size:0px;border:0;max-height:1px;width:1px;' +
  'margin:0px;padding:0px;border-width:0px!important;display:none!important;line-height:0px!important;';

export interface SlotTemplate {
  before: Buffer;
  after: string;
  /** `before` in quoted-printable starting at column 0, and the column it ends at. */
  beforeQp: string;
  beforeColumn: number;
}

function template(before: string, after: string): SlotTemplate {
  // What follows the encoded prefix (token and `after`) is written as it is: printable ASCII
  // without `=` and without a trailing blank needs no escaping in quoted-printable.
  if (!/^[\x21-\x3c\x3e-\x7e]*$/.test(after))
    throw new Error(`markup after a token must stay literal: ${after}`);
  const beforeQp = encodeQuotedPrintable(Buffer.from(before), false).toString('latin1');
  return {
    before: Buffer.from(before),
    after,
    beforeQp,
    beforeColumn: beforeQp.length - beforeQp.lastIndexOf('\n') - 1,
  };
}

export function slotTemplate(kind: TrackKind, baseUrl: string): SlotTemplate {
  const pixel = `${baseUrl}/${PIXEL_SEGMENT}/`;
  switch (kind) {
    case 'initial_open':
      return template(
        `<div style="${HIDDEN_DIV}"><img border="0" width="1" height="1" alt="" src="${pixel}`,
        '"/></div>',
      );
    case 'open':
      return template(`<img border="0" width="1" height="1" alt="" src="${pixel}`, '">');
    case 'click':
      return template(`"${baseUrl}/${CLICK_SEGMENT}/`, '"');
  }
}

/** Whether a URL already goes through this tracking base (it is then not wrapped again). */
export function isTrackingUrl(baseUrl: string, url: string): boolean {
  const lower = url.toLowerCase();
  const base = baseUrl.toLowerCase();
  return lower.startsWith(`${base}/${CLICK_SEGMENT}/`) || lower.startsWith(`${base}/${PIXEL_SEGMENT}/`);
}
