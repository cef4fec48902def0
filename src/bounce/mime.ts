// The MIME tree of a report, built with mailsplit (DESIGN.md's choice for DSN/ARF MIME). Reports
// need the raw structure, not a mail-client view: which part is message/delivery-status, the fields
// inside it, and the headers of the returned original (message/rfc822 or text/rfc822-headers),
// so each part keeps its unfolded header fields and its transfer-decoded body.
import { type MimeNode, Splitter, type SplitterChunk } from '@zone-eu/mailsplit';

export type Field = readonly [name: string, value: string];

export interface Part {
  /** Lower-case media type, `text/plain` when absent (RFC 2045 §5.2). */
  type: string;
  /** Content-Type parameters, lower-case names. */
  params: Record<string, string>;
  headers: Field[];
  /** Transfer-decoded body; empty for multiparts and for message/rfc822 containers. */
  body: Buffer;
  /** Multipart children, or the embedded message's root part for message/rfc822. */
  children: Part[];
}

export class ReportParseError extends Error {
  override name = 'ReportParseError';
}

/** Unfolds a header block (`Name: value` lines, continuations start with white space). */
export function parseFields(text: string): Field[] {
  const fields: Field[] = [];
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name !== undefined) fields.push([name, value.replace(/\s+/g, ' ').trim()]);
    name = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name !== undefined) {
      value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon > 0 && /^[!-9;-~]+$/.test(line.slice(0, colon).trimEnd())) {
      name = line.slice(0, colon).trimEnd();
      value = line.slice(colon + 1);
    }
  }
  flush();
  return fields;
}

/** First value of a field, case-insensitive. */
export function field(fields: readonly Field[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** Every value of a field, in order. */
export function fieldAll(fields: readonly Field[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** `type/subtype; a=b; c="d e"` → type and parameters (RFC 2045 §5.1, RFC 2231 continuations joined). */
export function parseContentType(value: string | undefined): {
  type: string;
  params: Record<string, string>;
} {
  const [type = '', ...rest] = (value ?? '').split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const params: Record<string, string> = {};
  for (const item of rest) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item
      .slice(0, eq)
      .trim()
      .toLowerCase()
      .replace(/\*\d*\*?$/, '');
    const val = item
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/s, '$1');
    params[key] = (params[key] ?? '') + val;
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

function decodeQuotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  const source = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 61 /* = */ && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 256) bytes.push(c);
    else bytes.push(...Buffer.from(source[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

function transferDecode(body: Buffer, encoding: string | false): Buffer {
  if (encoding === 'base64')
    return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return body;
}

/** Body text in its declared charset; undeclared or unknown charsets read as UTF-8, then Latin-1. */
export function partText(part: Part): string {
  const charset = part.params.charset?.toLowerCase();
  if (charset && !/^(us-ascii|utf-?8|ascii)$/.test(charset)) {
    try {
      return new TextDecoder(charset).decode(part.body);
    } catch {
      // an unknown charset: fall through
    }
  }
  const utf8 = part.body.toString('utf8');
  return utf8.includes('\uFFFD') ? part.body.toString('latin1') : utf8;
}

function partOf(node: MimeNode): Part {
  const lines = node.headers ? node.headers.getList().map((h) => h.line) : [];
  const headers = parseFields(lines.join('\n'));
  const { type, params } = parseContentType(field(headers, 'content-type'));
  return { type, params, headers, body: Buffer.alloc(0), children: [] };
}

/** Parses a whole message into its MIME tree. Throws ReportParseError for input that is no message. */
export async function parseMime(raw: Buffer): Promise<Part> {
  if (raw.length === 0) throw new ReportParseError('empty message');
  const splitter = new Splitter();
  const parts = new Map<MimeNode, Part>();
  const bodies = new Map<Part, Buffer[]>();
  let root: Part | undefined;
  let current: Part | undefined;
  splitter.on('data', (data: SplitterChunk) => {
    if (data.type === 'node') {
      const node = data;
      const part = partOf(node);
      parts.set(node, part);
      const parent = node.parentNode ? parts.get(node.parentNode) : undefined;
      if (parent) parent.children.push(part);
      else root ??= part;
      current = part;
      bodies.set(part, []);
    } else if (data.type === 'body' && current) bodies.get(current)!.push(data.value);
  });
  const done = new Promise<void>((resolve, reject) => {
    (splitter as unknown as NodeJS.EventEmitter).on('end', resolve).on('error', reject);
  });
  splitter.end(raw);
  try {
    await done;
  } catch (error) {
    throw new ReportParseError(`not a readable MIME message: ${(error as Error).message}`);
  }
  if (!root || root.headers.length === 0) throw new ReportParseError('no message header found');
  for (const [node, part] of parts)
    part.body = transferDecode(Buffer.concat(bodies.get(part)!), node.encoding);
  return root;
}

/** Every part, depth first (the root first). */
export function* walk(part: Part): Generator<Part> {
  yield part;
  for (const child of part.children) yield* walk(child);
}

/** RFC 2047 encoded words (`=?utf-8?B?…?=`) in a header value, for display fields like Subject. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (whole, charset: string, enc: string, text: string) => {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : decodeQuotedPrintable(text.replace(/_/g, ' '));
        try {
          return new TextDecoder(charset.toLowerCase()).decode(bytes);
        } catch {
          return whole;
        }
      },
    );
}
