// One received report → ParsedReport. Order: ARF, JMRP, RFC 3464 (a delivery-status part, or its
// fields sent as text), the configuration's body patterns, then the built-in readers of
// non-standard bounces. Nothing here throws for a message that is merely not a report: that is
// `unrecognized`. Only input that is not a message at all raises ReportParseError.
import type { BounceCategoryPattern } from '../config/model.js';
import { isJmrp, parseArf, parseJmrp } from './arf.js';
import { looksLikeDeliveryStatus, parseDeliveryStatus } from './dsn.js';
import { type BodyPatternFile, type Groups, matchPatternFiles } from './email-patterns.js';
import { decodeWords, type Field, field, type Part, parseFields, parseMime, partText, walk } from './mime.js';
import { describedFailure, readTextBounce } from './nonstandard.js';
import { type MatchOptions, matchOriginal, type OriginalMessage } from './original.js';
import { addressOf, finishRecipient, type RawRecipient } from './recipient.js';
import type { FeedbackInfo, ParsedReport, ReportRecipient } from './report.js';

export interface ParseOptions {
  /** <bounce-category-patterns> of the configuration; the stock list when undefined. */
  patterns?: readonly BounceCategoryPattern[];
  /** <email-patterns> body-pattern files, tried before the built-in non-standard readers. */
  bodyPatterns?: readonly BodyPatternFile[];
  /** The envelope recipient the report arrived for (the processor knows it; else read from headers). */
  sentTo?: string;
  match?: MatchOptions;
}

const DELIVERY_STATUS = new Set(['message/delivery-status', 'message/global-delivery-status']);
const FEEDBACK = 'message/feedback-report';

/** Headers of the returned original: an embedded message, or a text/rfc822-headers part. */
function originalHeaders(root: Part): Field[] | undefined {
  for (const part of walk(root)) {
    if (part === root) continue;
    if ((part.type === 'message/rfc822' || part.type === 'message/global') && part.children[0]) {
      return part.children[0].headers;
    }
    if (part.type === 'message/rfc822' || part.type === 'message/global') return parseFields(partText(part));
    if (part.type === 'text/rfc822-headers' || part.type === 'message/global-headers') {
      return parseFields(partText(part).split(/\r?\n\s*\r?\n/)[0] ?? '');
    }
  }
  return undefined;
}

/** The report's own readable text: its text/plain parts outside any returned original. */
function reportText(root: Part): string {
  const texts: string[] = [];
  const visit = (part: Part) => {
    if (part.type === 'message/rfc822' || part.type === 'message/global') return;
    if (part.children.length > 0) part.children.forEach(visit);
    else if (part.type === 'text/plain' || (part.type === 'text/html' && texts.length === 0)) {
      const text = partText(part);
      texts.push(
        part.type === 'text/html'
          ? text.replace(/<br\s*\/?>|<\/(p|div|tr)>/gi, '\n').replace(/<[^>]+>/g, '')
          : text,
      );
    }
  };
  visit(root);
  return texts.join('\n');
}

function fromPatterns(groups: Groups[]): {
  recipients: RawRecipient[];
  sentTo?: string;
  reportingMta?: string;
} {
  const recipients = groups.map((g) => {
    const raw: RawRecipient = { address: addressOf(g.r ?? g.rcpt)! };
    if (g.or) raw.originalRecipient = addressOf(g.or)!;
    if (g.action) raw.action = g.action;
    if (g.status) raw.status = g.status;
    if (g.diag) raw.diagnostic = g.diag;
    if (g.remMta) raw.remoteMta = g.remMta;
    return raw;
  });
  const out: { recipients: RawRecipient[]; sentTo?: string; reportingMta?: string } = { recipients };
  if (groups[0]?.orig) out.sentTo = addressOf(groups[0].orig)!;
  if (groups[0]?.repMta) out.reportingMta = groups[0].repMta;
  return out;
}

function kindOf(recipients: readonly ReportRecipient[]): ParsedReport['kind'] {
  if (recipients.length === 0) return 'unrecognized';
  return recipients.some((r) => r.action === 'failed') ? 'dsn' : 'status';
}

export async function parseReport(raw: Buffer, options: ParseOptions = {}): Promise<ParsedReport> {
  const root = await parseMime(raw);
  const header = (name: string) => field(root.headers, name);
  const sentTo =
    options.sentTo ??
    addressOf(header('X-Original-To') ?? header('Delivered-To') ?? header('To')?.split(',')[0]);
  const headers = originalHeaders(root);
  const finish = (recipients: RawRecipient[]) => recipients.map((r) => finishRecipient(r, options.patterns));
  const report = (fields: Omit<ParsedReport, 'original'>, original: OriginalMessage): ParsedReport => ({
    ...fields,
    ...(sentTo && !fields.sentTo ? { sentTo } : {}),
    original,
  });
  const original = matchOriginal(headers, sentTo, options.match);

  const feedbackPart = [...walk(root)].find((p) => p.type === FEEDBACK);
  if (feedbackPart || isJmrp(original)) {
    const text = reportText(root);
    const fb = feedbackPart
      ? parseArf(partText(feedbackPart), original)
      : parseJmrp(text, original, header('From'));
    const { type: feedbackType, userAgent, sourceIp, reportedDomain, arrivalDate } = fb.info;
    const perRecipient = { feedbackType, userAgent, sourceIp, reportedDomain, arrivalDate };
    const defined = Object.fromEntries(Object.entries(perRecipient).filter(([, v]) => v !== undefined));
    const recipients: ReportRecipient[] = fb.recipients.map((address) => ({ address, ...defined }));
    return report(
      { kind: 'fbl', format: feedbackPart ? 'arf' : 'jmrp', recipients, feedback: fb.info },
      original,
    );
  }

  const statusPart = [...walk(root)].find(
    (p) =>
      DELIVERY_STATUS.has(p.type) ||
      (p.type === 'text/plain' && p !== root && looksLikeDeliveryStatus(partText(p))),
  );
  if (statusPart) {
    const dsn = parseDeliveryStatus(partText(statusPart));
    const text = reportText(root);
    for (const r of dsn.recipients) {
      if (r.diagnostic) continue;
      const described = describedFailure(text, r.address);
      if (described) Object.assign(r, { diagnostic: described, diagType: 'x-text' });
    }
    const recipients = finish(dsn.recipients);
    const { recipients: _, ...perMessage } = dsn;
    return report({ kind: kindOf(recipients), format: 'dsn', ...perMessage, recipients }, original);
  }

  const text = reportText(root);
  const patterned = options.bodyPatterns ? matchPatternFiles(options.bodyPatterns, text) : undefined;
  if (patterned?.recipients.every((g) => g.rcpt && !g.r)) {
    const g = patterned.recipients[0]!;
    const info: FeedbackInfo = { type: (g.feedbackType ?? 'abuse').toLowerCase(), fields: {} };
    if (g.dlvSourceIp) info.sourceIp = g.dlvSourceIp;
    const domain = g.reportedDomainFrom ?? g.reportedDomainTo;
    if (domain) info.reportedDomain = domain;
    const recipients = patterned.recipients.map((r) => ({
      address: addressOf(r.rcpt)!,
      feedbackType: info.type,
      ...(info.sourceIp ? { sourceIp: info.sourceIp } : {}),
      ...(domain ? { reportedDomain: domain } : {}),
    }));
    return report({ kind: 'fbl', format: patterned.name, recipients, feedback: info }, original);
  }
  if (patterned) {
    const found = fromPatterns(patterned.recipients);
    const recipients = finish(found.recipients);
    const { recipients: _, ...rest } = found;
    return report({ kind: kindOf(recipients), format: patterned.name, ...rest, recipients }, original);
  }

  const subject = decodeWords(header('Subject') ?? '');
  const own = [sentTo, addressOf(header('From'))].filter((a): a is string => a !== undefined);
  const bounce = readTextBounce(text, subject, own);
  if (bounce) {
    const inline = headers ?? bounce.originalHeaders;
    const recipients = finish(bounce.recipients);
    return report(
      { kind: kindOf(recipients), format: bounce.format, recipients },
      matchOriginal(inline, sentTo, options.match),
    );
  }
  return report({ kind: 'unrecognized', recipients: [] }, original);
}
