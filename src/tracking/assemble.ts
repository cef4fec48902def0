// One recipient's copy of a prepared message, written into a single buffer: the message's own bytes
// around the HTML parts, each part's new header, its static pieces (quoted-printable pieces were
// encoded once, in prepareTracking) and the recipient's tokens in the slots between them. This is
// the per-recipient hot path: slots become short strings, and everything is copied once into one
// buffer (base64 parts are re-encoded whole, natively).
import type { SlotTemplate } from './markup.js';
import { encodeBase64Lines, QP_LINE } from './transfer-encoding.js';

/** A place for a token: which of the message's slots, and the markup around the token. */
export interface SlotPiece {
  index: number;
  template: SlotTemplate;
}
export type Piece = Buffer | SlotPiece;

export interface PreparedPart {
  /** Byte range of the message this part replaces: its header section and body. */
  start: number;
  end: number;
  header: Buffer;
  /** Static bytes (decoded) and slots, in order. */
  pieces: Piece[];
  /** Quoted-printable parts: the static pieces encoded (undefined at slots); base64 parts: none. */
  encoded?: Array<Buffer | undefined>;
  trailer: Buffer;
}

function rendered(template: SlotTemplate, token: string): Buffer {
  const tail = token + template.after;
  const out = Buffer.allocUnsafe(template.before.length + tail.length);
  out.set(template.before, 0);
  out.write(tail, template.before.length, 'latin1');
  return out;
}

/**
 * A slot in quoted-printable, starting at column 0: the template's encoded prefix, then the token
 * and the closing markup, which need no escaping (base64url, printable ASCII without `=`), with a
 * soft break whenever a line is full; `soft` ends it with one so the next piece starts at column 0.
 */
function quotedPrintableSlot(template: SlotTemplate, token: string, soft: boolean): string {
  const tail = token + template.after;
  let text = template.beforeQp;
  let at = 0;
  let room = QP_LINE - template.beforeColumn;
  while (tail.length - at > room) {
    text += `${tail.slice(at, at + room)}=\r\n`;
    at += room;
    room = QP_LINE;
  }
  text += tail.slice(at);
  return soft ? `${text}=\r\n` : text;
}

/** One recipient's copy: the message with each part's header, pieces and the recipient's tokens. */
export function assemble(message: Buffer, parts: PreparedPart[], tokens: string[]): Buffer {
  const chunks: Array<Buffer | string> = [];
  let size = 0;
  const push = (chunk: Buffer | string) => {
    chunks.push(chunk);
    size += chunk.length;
  };
  let at = 0;
  for (const part of parts) {
    push(message.subarray(at, part.start));
    push(part.header);
    const { pieces, encoded } = part;
    if (!encoded) {
      const decoded = pieces.map((p) => (Buffer.isBuffer(p) ? p : rendered(p.template, tokens[p.index]!)));
      push(encodeBase64Lines(Buffer.concat(decoded)));
    } else {
      const last = pieces.length - 1;
      for (let i = 0; i <= last; i++) {
        const piece = pieces[i]!;
        push(
          Buffer.isBuffer(piece)
            ? encoded[i]!
            : quotedPrintableSlot(piece.template, tokens[piece.index]!, i < last),
        );
      }
    }
    push(part.trailer);
    at = part.end;
  }
  push(message.subarray(at));
  // Strings here are ASCII (quoted-printable), so their length is their size in bytes.
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const chunk of chunks) {
    if (typeof chunk === 'string') o += out.write(chunk, o, 'latin1');
    else {
      out.set(chunk, o);
      o += chunk.length;
    }
  }
  return out;
}
