// Finds the HTML bodies of a message, as byte ranges, in any multipart nesting (RFC 2045, RFC 2046
// §5.1). Only what tracking needs: header fields with their offsets, Content-Type with parameters,
// and multipart delimiters. Attachments (Content-Disposition: attachment) and encapsulated messages
// (message/rfc822) are not the sender's HTML and are never entered.

import { parseHeaders, type HeaderField as SmtpHeaderField } from '../smtp/headers.js';

const LF = 10;
const CR = 13;
const MAX_DEPTH = 16;

/** A field of a part's header, byte range relative to the whole message. */
export type HeaderField = Pick<SmtpHeaderField, 'key' | 'value' | 'start' | 'end'>;

export interface HtmlPart {
  /** Where the part's header section starts; for a single-part message, 0. */
  headerStart: number;
  fields: HeaderField[];
  bodyStart: number;
  bodyEnd: number;
  /** Lower-cased Content-Transfer-Encoding (default 7bit). */
  encoding: string;
  charset?: string;
  contentType: ContentType;
}

export interface ContentType {
  /** `type/subtype`, lower-cased. */
  type: string;
  params: Map<string, string>;
}

const isWsp = (c: number | undefined) => c === 32 || c === 9;

function lineEnd(data: Buffer, from: number, end: number): number {
  const at = data.indexOf(LF, from);
  return at < 0 || at >= end ? end : at + 1;
}

/**
 * The header fields of the entity at [start, end) and where its body starts. The message is CRLF
 * throughout (the listener stores it so); smtp/headers.ts reads the section, on a view of the part.
 */
export function parseHeaderSection(
  data: Buffer,
  start: number,
  end: number,
): { fields: HeaderField[]; bodyStart: number } {
  const section = parseHeaders(data.subarray(start, end));
  const fields = section.fields.map((f) => ({
    key: f.key,
    value: f.value,
    start: start + f.start,
    end: start + f.end,
  }));
  const blank = start + section.end;
  return { fields, bodyStart: data[blank] === CR && data[blank + 1] === LF ? blank + 2 : blank };
}

/** `type/subtype; name=value; name="quoted \" value"` (RFC 2045 §5.1; RFC 2231 values unwrapped). */
export function parseContentType(value: string | undefined, fallback = 'text/plain'): ContentType {
  const params = new Map<string, string>();
  if (!value) return { type: fallback, params };
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  let at = semi < 0 ? value.length : semi + 1;
  while (at < value.length) {
    const eq = value.indexOf('=', at);
    if (eq < 0) break;
    let name = value.slice(at, eq).trim().toLowerCase();
    let i = eq + 1;
    while (isWsp(value.charCodeAt(i))) i++;
    let text = '';
    if (value[i] === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++)
        text += value[i] === '\\' ? (value[++i] ?? '') : value[i];
      i = value.indexOf(';', i);
    } else {
      const stop = value.indexOf(';', i);
      text = value.slice(i, stop < 0 ? undefined : stop).trim();
      i = stop;
    }
    if (name.endsWith('*')) {
      name = name.slice(0, -1);
      text = safeDecode(text.replace(/^[^']*'[^']*'/, ''));
    }
    if (name && !params.has(name)) params.set(name, text);
    at = i < 0 ? value.length : i + 1;
  }
  return { type: type.includes('/') ? type : fallback, params };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const fieldValue = (fields: HeaderField[], key: string) => fields.find((f) => f.key === key)?.value;

/** Every HTML body part that tracking may rewrite, in message order. */
export function findHtmlParts(message: Buffer): HtmlPart[] {
  const parts: HtmlPart[] = [];
  walk(message, 0, message.length, 'text/plain', 0, parts);
  return parts;
}

function walk(data: Buffer, start: number, end: number, defaultType: string, depth: number, out: HtmlPart[]) {
  const section = parseHeaderSection(data, start, end);
  const fields = section.fields;
  const contentType = parseContentType(fieldValue(fields, 'content-type'), defaultType);
  const disposition = fieldValue(fields, 'content-disposition')?.split(';')[0]?.trim().toLowerCase();
  if (disposition === 'attachment') return;
  const boundary = contentType.params.get('boundary');
  if (contentType.type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    // RFC 2046 §5.1.5: the parts of multipart/digest default to message/rfc822.
    const inner = contentType.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    for (const [s, e] of multipartBodies(data, section.bodyStart, end, boundary)) {
      walk(data, s, e, inner, depth + 1, out);
    }
    return;
  }
  if (contentType.type !== 'text/html') return;
  out.push({
    headerStart: start,
    fields,
    bodyStart: section.bodyStart,
    bodyEnd: end,
    encoding: (fieldValue(fields, 'content-transfer-encoding') ?? '7bit').toLowerCase(),
    charset: contentType.params.get('charset')?.toLowerCase(),
    contentType,
  });
}

/** Byte ranges of the body parts between `--boundary` delimiter lines (RFC 2046 §5.1.1). */
export function multipartBodies(
  data: Buffer,
  start: number,
  end: number,
  boundary: string,
): Array<[number, number]> {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  let from = start;
  while (from < end) {
    const at = data.indexOf(delimiter, from);
    if (at < 0 || at + delimiter.length > end) break;
    from = at + delimiter.length;
    if (at !== start && data[at - 1] !== LF) continue;
    const closing = data[from] === 45 && data[from + 1] === 45;
    let after = closing ? from + 2 : from;
    while (isWsp(data[after])) after++;
    if (!closing && after < end && data[after] !== CR && data[after] !== LF) continue;
    if (partStart >= 0) {
      const lineBreak = at === start ? at : at - (data[at - 2] === CR ? 2 : 1);
      ranges.push([partStart, Math.max(partStart, lineBreak)]);
    }
    if (closing) return ranges;
    partStart = lineEnd(data, after, end);
  }
  if (partStart >= 0 && partStart < end) ranges.push([partStart, end]);
  return ranges;
}
