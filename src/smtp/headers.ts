// The header section of a received message (RFC 5322 §2.2): just enough parsing to read and remove
// control headers and to add our own, without touching the body. Values are unfolded; the bytes of
// every field are kept so that fields we do not change are stored exactly as received.

export interface HeaderField {
  name: string;
  /** Lower-case name, for lookups. */
  key: string;
  /** Unfolded value without leading/trailing white space. */
  value: string;
  /** Byte range of the whole field, continuation lines and CRLF included. */
  start: number;
  end: number;
}

export interface HeaderSection {
  fields: HeaderField[];
  /** Offset of the blank line that ends the section (or of the body, when there is none). */
  end: number;
}

const FIELD_NAME = /^[!-9;-~]+$/;

export function parseHeaders(message: Buffer): HeaderSection {
  const fields: HeaderField[] = [];
  let at = 0;
  while (at < message.length) {
    const lineEnd = message.indexOf('\r\n', at);
    const next = lineEnd < 0 ? message.length : lineEnd + 2;
    if (lineEnd === at) return { fields, end: at }; // the blank line
    const first = message[at];
    const last = fields[fields.length - 1];
    if ((first === 32 || first === 9) && last) {
      last.end = next;
      continue_(last, message, at, lineEnd < 0 ? message.length : lineEnd);
      at = next;
      continue;
    }
    const colon = message.indexOf(58, at);
    const name = colon > at && colon < next ? message.toString('latin1', at, colon).trimEnd() : '';
    if (!FIELD_NAME.test(name)) return { fields, end: at }; // not a header: the body starts here
    const value = message.toString('utf8', colon + 1, lineEnd < 0 ? message.length : lineEnd);
    fields.push({ name, key: name.toLowerCase(), value: value.trim(), start: at, end: next });
    at = next;
  }
  return { fields, end: message.length };
}

function continue_(field: HeaderField, message: Buffer, from: number, to: number): void {
  field.value = `${field.value} ${message.toString('utf8', from, to).trim()}`.trim();
}

export function headerValues(section: HeaderSection, key: string): string[] {
  return section.fields.filter((f) => f.key === key).map((f) => f.value);
}

/**
 * The message with the fields in `remove` left out and `prepend` / `append` (complete field
 * lines, CRLF included) placed before the first and after the last field.
 */
export function rebuild(
  message: Buffer,
  section: HeaderSection,
  remove: ReadonlySet<HeaderField>,
  prepend: string,
  append: string,
): Buffer {
  const parts: Buffer[] = [];
  if (prepend) parts.push(Buffer.from(prepend));
  let from = 0;
  for (const field of section.fields) {
    if (!remove.has(field)) continue;
    parts.push(message.subarray(from, field.start));
    from = field.end;
  }
  parts.push(message.subarray(from, section.end));
  if (append) parts.push(Buffer.from(append));
  parts.push(message.subarray(section.end));
  return Buffer.concat(parts);
}

/** The address in a From:/Sender: value: `Name <a@b>` → `a@b`; the first one of a list. */
export function headerAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (angle) return angle[1];
  const bare = /(?:^|[\s,:;])([^\s<>",;:()]+@[^\s<>",;:()]+)/.exec(value);
  return bare?.[1];
}

/** RFC 2047 encoded words (`=?utf-8?B?...?=`, `=?iso-8859-1?Q?...?=`) decoded; others left as is. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g,
      (word, charset: string, enc: string, text: string) => {
        try {
          const bytes =
            enc.toUpperCase() === 'B'
              ? Buffer.from(text, 'base64')
              : Buffer.from(
                  text
                    .replace(/_/g, ' ')
                    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
                      String.fromCharCode(Number.parseInt(hex, 16)),
                    ),
                  'latin1',
                );
          return new TextDecoder(charset.toLowerCase()).decode(bytes);
        } catch {
          return word;
        }
      },
    );
}
