// Turns the raw DATA bytes into the message we store: dot-unstuffed (RFC 5321 §4.5.2), every line
// ending a CRLF (a bare LF or CR becomes CRLF, so the stored message is unambiguous for every MTA
// after us), NUL bytes detected. The common case (no leading dots, no bare line ends) returns the
// input untouched; the scan uses indexOf, which is memchr, rather than a loop over every byte.

const CR = 13;
const LF = 10;
const DOT = 46;

export interface CleanData {
  body: Buffer;
  /** Bare LFs or CRs turned into CRLF. */
  bareLineEnds: number;
  hasNul: boolean;
}

export function cleanData(raw: Buffer): CleanData {
  const hasNul = raw.indexOf(0) >= 0;
  // Points where the output differs from the input: a dot to drop, or a bare CR/LF to expand.
  const edits: Array<{ at: number; kind: 'dot' | 'crlf'; skip: number }> = [];
  if (raw[0] === DOT) edits.push({ at: 0, kind: 'dot', skip: 1 });
  for (let lf = raw.indexOf(LF); lf >= 0; lf = raw.indexOf(LF, lf + 1)) {
    if (lf === 0 || raw[lf - 1] !== CR) edits.push({ at: lf, kind: 'crlf', skip: 1 });
    else if (raw[lf + 1] === DOT) edits.push({ at: lf + 1, kind: 'dot', skip: 1 });
  }
  for (let cr = raw.indexOf(CR); cr >= 0; cr = raw.indexOf(CR, cr + 1)) {
    if (raw[cr + 1] !== LF) edits.push({ at: cr, kind: 'crlf', skip: 1 });
  }
  if (edits.length === 0) return { body: raw, bareLineEnds: 0, hasNul };
  edits.sort((a, b) => a.at - b.at);
  const parts: Buffer[] = [];
  const CRLF = Buffer.from('\r\n');
  let from = 0;
  let bare = 0;
  for (const edit of edits) {
    parts.push(raw.subarray(from, edit.at));
    if (edit.kind === 'crlf') {
      parts.push(CRLF);
      bare++;
    }
    from = edit.at + edit.skip;
  }
  parts.push(raw.subarray(from));
  return { body: Buffer.concat(parts), bareLineEnds: bare, hasNul };
}
