// The reports a mailbox provider sends after it has accepted a message: an out-of-band bounce as a
// DSN (RFC 3464: multipart/report; report-type=delivery-status) to the envelope sender, and a spam
// complaint as ARF (RFC 5965: report-type=feedback-report) to the sender's feedback-loop address.
// Both return the original's header (text/rfc822-headers), which is what lets Outpost's processors
// tie the report back to the message (its X-Outpost-Ref header, src/bounce/original.ts).
import { randomBytes } from 'node:crypto';

export interface ReportFacts {
  /** The sink's name (Reporting-MTA) and the domain its reports come from. */
  hostName: string;
  fromDomain: string;
  /** The accepted message. */
  clientIp: string;
  mailFrom: string;
  rcpt: string;
  data: Buffer;
  arrival: Date;
}

/** Reasons a provider gives for a bounce after accepting; the second field is the DSN status. */
export const OUT_OF_BAND_REASONS = [
  ['5.1.1', '550 5.1.1 <{rcpt}>: user unknown (account disabled after delivery)'],
  ['5.2.2', '552 5.2.2 <{rcpt}>: mailbox full'],
  ['5.7.1', "550 5.7.1 message rejected as spam by the recipient's filter"],
] as const;

export function originalHeaders(data: Buffer): string {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return `${end < 0 ? text : text.slice(0, end)}\r\n`;
}

function header(name: string, data: Buffer): string | undefined {
  const unfolded = originalHeaders(data).replace(/\r\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim();
}

function envelope(facts: ReportFacts, to: string, subject: string, type: string, boundary: string): string[] {
  const id = randomBytes(8).toString('hex');
  return [
    `From: ${type === 'delivery-status' ? 'Mail Delivery Subsystem <mailer-daemon' : 'Feedback Loop <fbl'}@${facts.fromDomain}>`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${id}@${facts.fromDomain}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=${type}; boundary="${boundary}"`,
    '',
  ];
}

/** A DSN saying `rcpt` failed after all, with `reason` (one of OUT_OF_BAND_REASONS). */
export function buildDsn(facts: ReportFacts, reason: readonly [string, string]): string {
  const boundary = `dsn-${randomBytes(6).toString('hex')}`;
  const diagnostic = reason[1].replaceAll('{rcpt}', facts.rcpt);
  return [
    ...envelope(facts, facts.mailFrom, 'Delivery Status Notification (Failure)', 'delivery-status', boundary),
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message to <${facts.rcpt}> was accepted, but could not be delivered to the mailbox:`,
    diagnostic,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${facts.hostName}`,
    `Arrival-Date: ${facts.arrival.toUTCString()}`,
    '',
    `Final-Recipient: rfc822; ${facts.rcpt}`,
    'Action: failed',
    `Status: ${reason[0]}`,
    `Remote-MTA: dns; ${facts.hostName}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    `Last-Attempt-Date: ${new Date().toUTCString()}`,
    '',
    ...returnedHeaders(boundary, facts.data),
  ].join('\r\n');
}

/** The last part of both reports: the original message's headers, then the closing boundary. */
function returnedHeaders(boundary: string, data: Buffer): string[] {
  return [
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    originalHeaders(data),
    `--${boundary}--`,
    '',
  ];
}

/** An ARF abuse report: the recipient pressed "this is spam". */
export function buildArf(facts: ReportFacts, fblAddress: string): string {
  const boundary = `arf-${randomBytes(6).toString('hex')}`;
  const senderDomain = facts.mailFrom.slice(facts.mailFrom.lastIndexOf('@') + 1);
  const subject = header('Subject', facts.data) ?? '(no subject)';
  return [
    ...envelope(facts, fblAddress, `FW: ${subject}`.slice(0, 200), 'feedback-report', boundary),
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is an email abuse report for an email message received from IP ${facts.clientIp} on ${facts.arrival.toUTCString()}.`,
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: OutpostSink/1.0',
    'Version: 1',
    `Original-Mail-From: <${facts.mailFrom}>`,
    `Original-Rcpt-To: <${facts.rcpt}>`,
    `Arrival-Date: ${facts.arrival.toUTCString()}`,
    `Reporting-MTA: dns; ${facts.hostName}`,
    `Source-IP: ${facts.clientIp}`,
    ...(senderDomain ? [`Reported-Domain: ${senderDomain}`] : []),
    '',
    ...returnedHeaders(boundary, facts.data),
  ].join('\r\n');
}
