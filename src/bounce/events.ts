// A parsed report → the OutpostEvent records the processors emit: `remote-bounce` (rb) per failed
// recipient, `remote-status` (rs) per delayed/delivered/relayed one, `feedback` (f) per complained-
// about recipient (reference powermta.md §3.3, §7). Field values come from the report alone, as
// PowerMTA's do; the original's ids come from its returned headers or the VERP return path.
import type { OutpostEvent } from '../events/record.js';
import type { ParsedReport, ReportRecipient } from './report.js';

export interface ReportContext {
  /** When the report was processed; defaults to now. */
  now?: number;
  /** The local address that received the report (f records' repSourceIp). */
  repSourceIp?: string;
  /** The client that delivered the report, `helo (ip)` (srcMta). */
  srcMta?: string;
}

/** What every event of a report shares: the original message and the report's own fields. */
function common(report: ParsedReport, context: ReportContext): Omit<OutpostEvent, 'type' | 'rcpt'> {
  const o = report.original;
  const base: Omit<OutpostEvent, 'type' | 'rcpt'> = {
    timeLogged: context.now ?? Date.now(),
    // Unknown when the report carries no reference: the event still records what the report says.
    messageId: o.messageId ?? '',
    orig: report.sentTo ?? '',
    srcType: 'smtp',
  };
  const optional: Partial<OutpostEvent> = {
    jobId: o.jobId,
    vmta: o.vmta,
    vmtaPool: o.pool,
    subaccountId: o.subaccountId,
    envId: report.envId,
    subject: o.subject,
    headerFrom: o.from?.match(/<([^>]+)>/)?.[1] ?? o.from,
    headers: o.headers,
    format: report.format,
    srcMta: context.srcMta,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  }
  return base;
}

function dsnEvent(
  base: Omit<OutpostEvent, 'type' | 'rcpt'>,
  report: ParsedReport,
  r: ReportRecipient,
): OutpostEvent {
  const event: OutpostEvent = {
    ...base,
    type: r.action === 'failed' ? 'remote-bounce' : 'remote-status',
    rcpt: r.address,
  };
  const optional: Partial<OutpostEvent> = {
    orcpt: r.originalRecipient,
    dsnAction: r.action,
    dsnStatus: r.dsnStatus,
    dsnDiag: r.diagnostic,
    dsnMta: r.remoteMta,
    dsnReportingMta: report.reportingMta,
    bounceCat: r.category,
    bounceClass: r.bounceClass?.code,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (event as unknown as Record<string, unknown>)[key] = value;
  }
  return event;
}

function feedbackEvents(
  base: Omit<OutpostEvent, 'type' | 'rcpt'>,
  report: ParsedReport,
  context: ReportContext,
) {
  const fb = report.feedback!;
  const shared: OutpostEvent = { ...base, type: 'feedback', rcpt: '', arf: fb.fields };
  // PowerMTA's guide describes f's orig both as the original's sender and as the report's address.
  if (fb.originalMailFrom ?? report.original.returnPath)
    shared.orig = (fb.originalMailFrom ?? report.original.returnPath)!;
  const optional: Partial<OutpostEvent> = {
    feedbackType: fb.type,
    userAgent: fb.userAgent,
    reportingMta: fb.reportingMta,
    dlvSourceIp: fb.sourceIp,
    reportedDomain: fb.reportedDomain,
    repSourceIp: context.repSourceIp,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (shared as unknown as Record<string, unknown>)[key] = value;
  }
  // A report whose recipient was redacted away still counts as one complaint.
  const rcpts = report.recipients.length > 0 ? report.recipients.map((r) => r.address) : [''];
  return rcpts.map((rcpt) => ({ ...shared, rcpt }));
}

export function reportToEvents(report: ParsedReport, context: ReportContext = {}): OutpostEvent[] {
  const base = common(report, context);
  if (report.kind === 'fbl' && report.feedback) return feedbackEvents(base, report, context);
  if (report.kind === 'dsn' || report.kind === 'status')
    return report.recipients.map((r) => dsnEvent(base, report, r));
  return [];
}
