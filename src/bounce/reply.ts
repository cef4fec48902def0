// An SMTP reply as the classifier sees it: the basic code, the RFC 3463 enhanced status when the
// reply carries one, and the text. Replies come from the delivery engine (already split) or as one
// line from the CLI or a DSN's Diagnostic-Code (`smtp; 550 5.1.1 <a@b> User unknown`).
import { normaliseStatus } from './status-text.js';

export interface SmtpReply {
  /** Basic reply code, 200–599. Absent for diagnostics that carry none. */
  code?: number;
  /** `5.1.1`; absent when the reply has no enhanced code. */
  enhanced?: string;
  /** The reply text (all lines joined by a space), code and enhanced status included when present. */
  text: string;
}

export class ReplyError extends Error {
  override name = 'ReplyError';
}

const CODE = /^([2-5]\d\d)(?:[ -]|$)/;

/**
 * Reads `550 5.1.1 <a@b> User unknown`, `smtp;550 …`, or a multi-line reply (`550-… / 550 …`).
 * Text without a reply code is kept as text: DSN diagnostics are often prose.
 */
export function parseReply(input: string): SmtpReply {
  let text = input.replace(/\s+/g, ' ').trim();
  const typed = text.match(/^(smtp|x-[\w-]+|[\w-]+)\s*;\s*/i);
  if (typed && typed[1]!.toLowerCase() !== 'http') text = text.slice(typed[0].length);
  if (text === '') throw new ReplyError('empty SMTP reply');
  // Continuation lines repeat the code (`550-5.1.1 First line 550 5.1.1 second`): drop the repeats.
  const code = text.match(CODE)?.[1];
  if (code) text = text.replace(new RegExp(`(?<=\\s)${code}[ -](?:\\d\\.\\d{1,3}\\.\\d{1,3} )?`, 'g'), '');
  const reply: SmtpReply = { text: code ? text.replace(/^(\d{3})-/, '$1 ') : text };
  if (code) {
    reply.code = Number(code);
    const enhanced = normaliseStatus(text.slice(4));
    if (enhanced) reply.enhanced = enhanced;
  }
  return reply;
}
