// The bytes tracking puts into HTML, split around the token so a recipient's copy is three buffers
// joined. The pixel markup is what SparkPost's own reference tracker writes (sparkpost-api.md §7,
// SPT wrap_html.go): the top (initial_open) pixel hidden in a zero-size div, the bottom (open)
// pixel a bare 1x1 image. A wrapped link replaces the whole href value, quotes included.

import { CLICK_SEGMENT, PIXEL_SEGMENT } from './settings.js';
import type { TrackKind } from './token.js';

const HIDDEN_DIV =
  'color:transparent;visibility:hidden;opacity:0;font-size:0px;border:0;max-height:1px;width:1px;' +
  'margin:0px;padding:0px;border-width:0px!important;display:none!important;line-height:0px!important;';

export interface SlotTemplate {
  before: Buffer;
  after: Buffer;
  /** Printable ASCII without `=`: quoted-printable leaves it as it is. */
  literal: boolean;
}

const qpLiteral = (text: string) => /^[\x21-\x3c\x3e-\x7e]*$/.test(text);

function template(before: string, after: string): SlotTemplate {
  return { before: Buffer.from(before), after: Buffer.from(after), literal: qpLiteral(before + after) };
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
