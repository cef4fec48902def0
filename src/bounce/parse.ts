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

type Body = Omit<ParsedReport, 'original' | 'sentTo'> & { sentTo?: string };

/** Per-recipient copies of the report-level feedback fields (what `outpost bounce parse` shows). */
function feedbackRecipients(addresses: readonly string[], info: FeedbackInfo): ReportRecipient[] {
  const { type: feedbackType, userAgent, sourceIp, reportedDomain, arrivalDate } = info;
  const shared = { feedbackType, userAgent, sourceIp, reportedDomain, arrivalDate };
  const defined = Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined));
  return addresses.map((address) => ({ address, ...defined }));
}

function readFeedback(
  root: Part,
  part: Part | undefined,
  original: OriginalMessage,
  report: { from?: string; subject?: string },
): Body {
  const fb = part ? parseArf(partText(part), original) : parseJmrp(reportText(root), original, report);
  const recipients = feedbackRecipients(fb.recipients, fb.info);
  return { kind: 'fbl', format: part ? 'arf' : 'jmrp', recipients, feedback: fb.info };
}

function readDsn(root: Part, statusPart: Part, patterns: ParseOptions['patterns']): Body {
  // The whole text of an unsplit report: its DSN fields start at Reporting-MTA's paragraph.
  const fields = statusPart === root ? statusFields(partText(statusPart)) : partText(statusPart);
  const { recipients: raw, ...perMessage } = parseDeliveryStatus(fields);
  const whole = reportText(root);
  const text = statusPart === root ? whole.slice(0, whole.length - fields.length) : whole;
  for (const r of raw) {
    if (r.diagnostic) continue;
    const described = describedFailure(text, r.address);
    if (described) Object.assign(r, { diagnostic: described, diagType: 'x-text' });
  }
  const recipients = raw.map((r) => finishRecipient(r, patterns));
  return { kind: kindOf(recipients), format: 'dsn', ...perMessage, recipients };
}

/** Body-pattern groups: FBL names (`rcpt`, `dlvSourceIp`, …) or bounce names (`r`, `diag`, …). */
function readPatterns(name: string, groups: Groups[], patterns: ParseOptions['patterns']): Body {
  const first = groups[0]!;
  if (groups.every((g) => g.rcpt && !g.r)) {
    const info: FeedbackInfo = { type: (first.feedbackType ?? 'abuse').toLowerCase(), fields: {} };
    if (first.dlvSourceIp) info.sourceIp = first.dlvSourceIp;
    const domain = first.reportedDomainFrom ?? first.reportedDomainTo;
    if (domain) info.reportedDomain = domain;
    const recipients = feedbackRecipients(
      groups.map((g) => addressOf(g.rcpt)!),
      info,
    );
    return { kind: 'fbl', format: name, recipients, feedback: info };
  }
  const recipients = groups.map((g) => {
    const raw: RawRecipient = { address: addressOf(g.r ?? g.rcpt)! };
    if (g.or) raw.originalRecipient = addressOf(g.or)!;
    if (g.action) raw.action = g.action;
    if (g.status) raw.status = g.status;
    if (g.diag) raw.diagnostic = g.diag;
    if (g.remMta) raw.remoteMta = g.remMta;
    return finishRecipient(raw, patterns);
  });
  const body: Body = { kind: kindOf(recipients), format: name, recipients };
  if (first.orig) body.sentTo = addressOf(first.orig)!;
  if (first.repMta) body.reportingMta = first.repMta;
  return body;
}

function kindOf(recipients: readonly ReportRecipient[]): ParsedReport['kind'] {
  if (recipients.length === 0) return 'unrecognized';
  return recipients.some((r) => r.action === 'failed') ? 'dsn' : 'status';
}

/**
 * A multipart whose declared boundary never occurs (mangled or hand-edited reports) has no parts and
 * no body in the MIME tree; read it as the plain text it then is, so its DSN fields or bounce text
 * are still found.
 */
function unsplit(root: Part, raw: Buffer): Part | undefined {
  if (!root.type.startsWith('multipart/') || root.children.length > 0) return undefined;
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return undefined;
  return { ...root, type: 'text/plain', params: {}, body: raw.subarray(end) };
}

/** From the paragraph holding `Reporting-MTA:` on: the DSN fields of a report sent as one text. */
function statusFields(text: string): string {
  const at = text.search(/^Reporting-MTA:/im);
  if (at < 0) return text;
  const paragraph = text.slice(0, at).search(/\n[ \t]*\n(?![\s\S]*\n[ \t]*\n)/);
  return paragraph < 0 ? text : text.slice(paragraph);
}

export async function parseReport(raw: Buffer, options: ParseOptions = {}): Promise<ParsedReport> {
  const parsed = await parseMime(raw);
  const flat = unsplit(parsed, raw);
  const root = flat ?? parsed;
  const header = (name: string) => field(root.headers, name);
  const sentTo =
    options.sentTo ??
    addressOf(header('X-Original-To') ?? header('Delivered-To') ?? header('To')?.split(',')[0]);
  const headers = originalHeaders(root);
  const original = matchOriginal(headers, sentTo, options.match);
  const done = (body: Body, matched = original): ParsedReport => ({
    ...body,
    ...(sentTo && !body.sentTo ? { sentTo } : {}),
    original: matched,
  });

  const parts = [...walk(root)];
  const feedbackPart = parts.find((p) => p.type === FEEDBACK);
  if (feedbackPart || isJmrp(original)) {
    const report = { from: header('From'), subject: header('Subject') };
    return done(readFeedback(root, feedbackPart, original, report));
  }
  const statusPart = parts.find(
    (p) =>
      DELIVERY_STATUS.has(p.type) ||
      (p.type === 'text/plain' && (p !== root || flat) && looksLikeDeliveryStatus(partText(p))),
  );
  if (statusPart) return done(readDsn(root, statusPart, options.patterns));

  const text = reportText(root);
  const patterned = options.bodyPatterns ? matchPatternFiles(options.bodyPatterns, text) : undefined;
  if (patterned) return done(readPatterns(patterned.name, patterned.recipients, options.patterns));

  const subject = decodeWords(header('Subject') ?? '');
  const own = [sentTo, addressOf(header('From'))].filter((a): a is string => a !== undefined);
  const bounce = readTextBounce(text, subject, own);
  if (!bounce) return done({ kind: 'unrecognized', recipients: [] });
  const recipients = bounce.recipients.map((r) => finishRecipient(r, options.patterns));
  const matched = matchOriginal(headers ?? bounce.originalHeaders, sentTo, options.match);
  return done({ kind: kindOf(recipients), format: bounce.format, recipients }, matched);
}
