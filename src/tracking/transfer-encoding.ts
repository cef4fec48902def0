// Content-Transfer-Encoding for rewritten HTML parts (RFC 2045 §6.7, §6.8). The quoted-printable
// encoder works piece by piece: each piece starts at column 0 and ends with a soft line break, so a
// message's static HTML is encoded once and only the per-recipient tracking URLs are encoded per
// recipient. A soft line break decodes to nothing, so the decoded HTML is exactly the joined pieces.

const HEX = '0123456789ABCDEF';
const CR = 13;
const LF = 10;
/** Encoded characters per line before the soft break's `=` (76 in all, RFC 2045 §6.7 rule 5). */
export const QP_LINE = 75;
const B64_LINE = 76;

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

const isBlank = (c: number | undefined) => c === 32 || c === 9;

/**
 * Decodes quoted-printable leniently, as mail clients do: `=XX` in either case, soft breaks with
 * transport padding (`=  \r\n`), trailing blanks dropped (rule 3), stray `=` kept as it is.
 */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  // Output length without the current run of literal blanks, which go if the line ends here.
  let keep = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === LF || (c === CR && input[i + 1] === LF)) {
      o = keep;
      if (c === CR) {
        out[o++] = CR;
        i++;
      }
      out[o++] = LF;
      keep = o;
      continue;
    }
    if (c !== 61) {
      out[o++] = c;
      if (!isBlank(c)) keep = o;
      continue;
    }
    const hi = hexValue(input[i + 1]);
    const lo = hexValue(input[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[o++] = (hi << 4) | lo;
      keep = o;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (isBlank(input[j])) j++;
    if (input[j] === LF || (input[j] === CR && input[j + 1] === LF) || j === input.length) {
      i = input[j] === CR ? j + 1 : j; // soft line break
      keep = o;
      continue;
    }
    out[o++] = c;
    keep = o;
  }
  return out.subarray(0, keep);
}

/**
 * Quoted-printable for one piece, starting at column 0. With `soft`, the piece ends in a soft line
 * break so the next piece can start at column 0 too; without it, it is the last piece of the part.
 */
export function encodeQuotedPrintable(input: Buffer, soft: boolean): Buffer {
  const out = Buffer.allocUnsafe(input.length * 3 + Math.ceil((input.length * 3) / QP_LINE) * 3 + 3);
  let o = 0;
  let column = 0;
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const c = input[i]!;
    if (c === CR && input[i + 1] === LF) {
      out[o++] = CR;
      out[o++] = LF;
      column = 0;
      i++;
      continue;
    }
    // A blank before a line break or at the very end would be taken for transport padding.
    const lineEnds = i + 1 === n ? !soft : input[i + 1] === CR && input[i + 2] === LF;
    const literal = (c >= 33 && c <= 126 && c !== 61) || (isBlank(c) && !lineEnds);
    const width = literal ? 1 : 3;
    if (column + width > QP_LINE) {
      out[o++] = 61;
      out[o++] = CR;
      out[o++] = LF;
      column = 0;
    }
    if (literal) out[o++] = c;
    else {
      out[o++] = 61;
      out[o++] = HEX.charCodeAt(c >> 4);
      out[o++] = HEX.charCodeAt(c & 15);
    }
    column += width;
  }
  if (soft && column > 0) {
    out[o++] = 61;
    out[o++] = CR;
    out[o++] = LF;
  }
  return out.subarray(0, o);
}

/** Base64 in 76-character lines joined by CRLF, without a final line break. */
export function encodeBase64Lines(input: Buffer): Buffer {
  const flat = Buffer.from(input.toString('base64'), 'latin1');
  const lines = Math.ceil(flat.length / B64_LINE);
  if (lines <= 1) return flat;
  const out = Buffer.allocUnsafe(flat.length + (lines - 1) * 2);
  let o = 0;
  for (let at = 0; at < flat.length; at += B64_LINE) {
    if (at > 0) {
      out[o++] = CR;
      out[o++] = LF;
    }
    o += flat.copy(out, o, at, Math.min(at + B64_LINE, flat.length));
  }
  return out;
}

/** Share of bytes outside printable ASCII: decides quoted-printable or base64 for 7bit/8bit parts. */
export function nonAsciiShare(input: Buffer): number {
  let count = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c > 126 || (c < 32 && c !== CR && c !== LF && c !== 9)) count++;
  }
  return input.length === 0 ? 0 : count / input.length;
}
