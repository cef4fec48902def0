// RFC 3463 enhanced status codes and the text PowerMTA writes after them in `dsnStatus`
// (reference powermta.md §3.3: `5.1.1 (bad destination mailbox address)`). The texts are the RFC's
// titles in lower case, except where PowerMTA's own records show different wording: 2.0.0 is
// "success", X.0.0 "undefined status", X.1.2 "bad destination system: no such domain" and X.3.5 is
// PowerMTA's "specified VirtualMTA does not exist". Later registrations (RFC 3886, 4468, 4954,
// 5248, 7372, 7505, 8098) come from the IANA registry.

const DETAIL_TEXT: Record<string, string> = {
  '0.0': 'undefined status',
  // X.1 addressing status (RFC 3463 §3.2)
  '1.0': 'other address status',
  '1.1': 'bad destination mailbox address',
  '1.2': 'bad destination system: no such domain',
  '1.3': 'bad destination mailbox address syntax',
  '1.4': 'destination mailbox address ambiguous',
  '1.5': 'destination mailbox address valid',
  '1.6': 'mailbox has moved',
  '1.7': "bad sender's mailbox address syntax",
  '1.8': "bad sender's system address",
  '1.9': 'message relayed to non-compliant mailer',
  '1.10': 'recipient address has null MX',
  // X.2 mailbox status (§3.3)
  '2.0': 'other or undefined mailbox status',
  '2.1': 'mailbox disabled, not accepting messages',
  '2.2': 'mailbox full',
  '2.3': 'message length exceeds administrative limit',
  '2.4': 'mailing list expansion problem',
  // X.3 mail system status (§3.4)
  '3.0': 'other or undefined mail system status',
  '3.1': 'mail system full',
  '3.2': 'system not accepting network messages',
  '3.3': 'system not capable of selected features',
  '3.4': 'message too big for system',
  '3.5': 'specified VirtualMTA does not exist',
  // X.4 network and routing status (§3.5)
  '4.0': 'other or undefined network or routing status',
  '4.1': 'no answer from host',
  '4.2': 'bad connection',
  '4.3': 'directory server failure',
  '4.4': 'unable to route',
  '4.5': 'mail system congestion',
  '4.6': 'routing loop detected',
  '4.7': 'delivery time expired',
  // X.5 mail delivery protocol status (§3.6)
  '5.0': 'other or undefined protocol status',
  '5.1': 'invalid command',
  '5.2': 'syntax error',
  '5.3': 'too many recipients',
  '5.4': 'invalid command arguments',
  '5.5': 'wrong protocol version',
  '5.6': 'authentication exchange line is too long',
  // X.6 message content or media status (§3.7)
  '6.0': 'other or undefined media error',
  '6.1': 'media not supported',
  '6.2': 'conversion required and prohibited',
  '6.3': 'conversion required but not supported',
  '6.4': 'conversion with loss performed',
  '6.5': 'conversion failed',
  '6.6': 'message content not available',
  '6.7': 'non-ASCII addresses not permitted for that sender/recipient',
  '6.8': 'UTF-8 string reply is required, but not permitted by the SMTP client',
  '6.9': 'UTF-8 header message cannot be transferred to one or more recipients',
  // X.7 security or policy status (§3.8)
  '7.0': 'other or undefined security status',
  '7.1': 'delivery not authorized',
  '7.2': 'mailing list expansion prohibited',
  '7.3': 'security conversion required but not possible',
  '7.4': 'security features not supported',
  '7.5': 'cryptographic failure',
  '7.6': 'cryptographic algorithm not supported',
  '7.7': 'message integrity failure',
  '7.8': 'authentication credentials invalid',
  '7.9': 'authentication mechanism is too weak',
  '7.10': 'encryption needed',
  '7.11': 'encryption required for requested authentication mechanism',
  '7.12': 'a password transition is needed',
  '7.13': 'user account disabled',
  '7.14': 'trust relationship required',
  '7.15': 'priority level is too low',
  '7.16': 'message is too big for the specified priority',
  '7.17': 'mailbox owner has changed',
  '7.18': 'domain owner has changed',
  '7.19': 'RRVS test cannot be completed',
  '7.20': 'no passing DKIM signature found',
  '7.21': 'no acceptable DKIM signature found',
  '7.22': 'no valid author-matched DKIM signature found',
  '7.23': 'SPF validation failed',
  '7.24': 'SPF validation error',
  '7.25': 'reverse DNS validation failed',
  '7.26': 'multiple authentication checks failed',
  '7.27': 'sender address has null MX',
  '7.28': 'mail flood detected',
  '7.29': 'ARC validation failure',
  '7.30': 'REQUIRETLS support required',
};

const CLASS_TEXT: Record<string, string> = {
  '2': 'success',
  '4': 'persistent transient failure',
  '5': 'permanent failure',
};

/** `5.1.1`, `4.7.0`, … anywhere a status is written (three numbers, RFC 3463 §2 limits their size). */
export const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** Normalises `5.01.001` and `5.1.1 (text)` to `5.1.1`; undefined when it is no status code. */
export function normaliseStatus(text: string | undefined): string | undefined {
  const match = text?.trim().match(/^([245])\.(\d{1,3})\.(\d{1,3})(?!\d)/);
  if (!match) return undefined;
  return `${match[1]}.${Number(match[2])}.${Number(match[3])}`;
}

/** The text PowerMTA writes for a status: unknown details fall back to their subject's X.Y.0 text. */
export function statusText(status: string): string {
  const [klass, subject, detail] = status.split('.');
  if (status === '2.0.0') return 'success';
  const exact = DETAIL_TEXT[`${subject}.${detail}`];
  if (exact) return exact;
  const general = DETAIL_TEXT[`${subject}.0`];
  return general ?? CLASS_TEXT[klass ?? ''] ?? 'undefined status';
}

/** `5.1.1 (bad destination mailbox address)`: the accounting file's dsnStatus form. */
export function dsnStatus(status: string): string {
  return `${status} (${statusText(status)})`;
}
