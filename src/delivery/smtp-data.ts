// The bytes of the DATA phase for one message (RFC 5321 §4.5.2): every line break a CRLF (a bare
// CR or LF becomes one, so no receiver can see "\r.\r" or "\n.\n" as the end of the data: SMTP
// smuggling), a dot that starts a line doubled, and the final CRLF.CRLF. Exactly what nodemailer's
// DataStream produces (test/delivery/smtp-data.test.ts compares the two), but found with
// Buffer.indexOf per line break instead of a JS test per byte, and returned as slices of the message
// plus the few inserted bytes, so a clean message (what the spool holds: CRLF text) is not copied.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const INSERT_CRLF = Buffer.from('\r\n');
const INSERT_LF = Buffer.from('\n');
const INSERT_DOT = Buffer.from('.');
const END_AFTER_LINE_BREAK = Buffer.from('.\r\n');
const END = Buffer.from('\r\n.\r\n');

export interface SmtpData {
  /** To be written in order (one writev): slices of the message and the inserted bytes. */
  chunks: Buffer[];
  length: number;
}

export function smtpData(message: Buffer): SmtpData {
  const chunks: Buffer[] = [];
  const n = message.length;
  let start = 0; // first byte of the message not yet in chunks
  let lineStart = 0;
  let cr = message.indexOf(CR);
  let lf = message.indexOf(LF);
  for (;;) {
    if (message[lineStart] === DOT) {
      if (lineStart > start) chunks.push(message.subarray(start, lineStart));
      chunks.push(INSERT_DOT);
      start = lineStart;
    }
    if (cr !== -1 && cr < lineStart) cr = message.indexOf(CR, lineStart);
    if (lf !== -1 && lf < lineStart) lf = message.indexOf(LF, lineStart);
    if (cr === -1 && lf === -1) break;
    if (cr !== -1 && (lf === -1 || cr < lf)) {
      if (lf === cr + 1) {
        lineStart = cr + 2;
        continue;
      }
      // A bare CR: an LF goes after it.
      chunks.push(message.subarray(start, cr + 1), INSERT_LF);
      start = lineStart = cr + 1;
      continue;
    }
    // A bare LF (a CR before it would have been found first): a CRLF instead of it.
    if (lf > start) chunks.push(message.subarray(start, lf));
    chunks.push(INSERT_CRLF);
    start = lineStart = lf + 1;
  }
  if (start < n) chunks.push(start === 0 ? message : message.subarray(start));
  // Every line break above became a CRLF, so a message ending in one only needs the dot line.
  const last = message[n - 1];
  chunks.push(last === LF || last === CR ? END_AFTER_LINE_BREAK : END);
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return { chunks, length };
}
