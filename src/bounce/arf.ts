// Feedback-loop reports: ARF (RFC 5965 §3: a message/feedback-report part with Feedback-Type,
// User-Agent, Version, Original-Rcpt-To, Source-IP, Reported-Domain, Arrival-Date) and Microsoft's
// JMRP, which has no machine-readable part: the complained-about recipient is the
// X-HmXmrOriginalRecipient header of the embedded original, the source IP is in the prose.

import { type Field, parseFields } from './mime.js';
import type { OriginalMessage } from './original.js';
import { addressOf, mtaName } from './recipient.js';
import type { FeedbackInfo } from './report.js';

export interface Feedback {
  info: FeedbackInfo;
  recipients: string[];
}

function allFields(fields: readonly Field[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of fields) {
    const key = name.toLowerCase();
    out[key] = [...(out[key] ?? []), value];
  }
  return out;
}

const first = (all: Record<string, string[]>, name: string) => all[name.toLowerCase()]?.[0];

/** The address an FBL report complains about, when the report itself does not name it. */
export function recipientsFromOriginal(original: OriginalMessage): string[] {
  const hotmail = original.headers?.find(([n]) => n.toLowerCase() === 'x-hmxmroriginalrecipient')?.[1];
  for (const candidate of [hotmail, original.verpRecipient, original.to]) {
    const address = candidate ? addressOf(candidate.split(',')[0]) : undefined;
    if (address?.includes('@')) return [address];
  }
  return [];
}

export function parseArf(text: string, original: OriginalMessage): Feedback {
  const fields = allFields(parseFields(text));
  const info: FeedbackInfo = { type: (first(fields, 'Feedback-Type') ?? 'other').toLowerCase(), fields };
  const set = (key: keyof FeedbackInfo, value: string | undefined) => {
    if (value) (info as unknown as Record<string, unknown>)[key] = value;
  };
  set('userAgent', first(fields, 'User-Agent'));
  set('sourceIp', first(fields, 'Source-IP'));
  set('reportedDomain', first(fields, 'Reported-Domain'));
  set('arrivalDate', first(fields, 'Arrival-Date') ?? first(fields, 'Received-Date'));
  set('originalMailFrom', addressOf(first(fields, 'Original-Mail-From')));
  set('reportingMta', mtaName(first(fields, 'Reporting-MTA')));
  const named = [...(fields['original-rcpt-to'] ?? []), ...(fields['removal-recipient'] ?? [])]
    .map((v) => addressOf(v))
    .filter((v): v is string => v !== undefined);
  const recipients = [...new Set(named)];
  return { info, recipients: recipients.length > 0 ? recipients : recipientsFromOriginal(original) };
}

/** JMRP: recognised by the X-HmXmrOriginalRecipient header Microsoft puts in the returned original. */
export function isJmrp(original: OriginalMessage): boolean {
  return original.headers?.some(([n]) => n.toLowerCase() === 'x-hmxmroriginalrecipient') ?? false;
}

const IP = '(\\d{1,3}(?:\\.\\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]+)';

export function parseJmrp(
  text: string,
  original: OriginalMessage,
  report: { from?: string; subject?: string },
): Feedback {
  // The IP is in the prose, or only in the subject (`complaint about message from 192.0.2.1`).
  const ip =
    text.match(new RegExp(`received from IP ${IP}`, 'i'))?.[1] ??
    report.subject?.match(new RegExp(`complaint about message from ${IP}`, 'i'))?.[1];
  const date = text.match(/received from IP \S+ on (.+?)\.?\s*(?:\n|$)/i)?.[1];
  const info: FeedbackInfo = { type: 'abuse', fields: {} };
  if (ip) info.sourceIp = ip;
  if (date) info.arrivalDate = date.trim();
  const domain = original.from?.match(/@([^>\s]+)/)?.[1];
  if (domain) info.reportedDomain = domain.toLowerCase();
  const reporter = report.from?.match(/@([^>\s]+)/)?.[1];
  if (reporter) info.reportingMta = reporter.toLowerCase();
  return { info, recipients: recipientsFromOriginal(original) };
}
