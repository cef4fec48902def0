// Turns what a report says about one recipient into a classified ReportRecipient. Every reader
// (RFC 3464, the non-standard formats, body patterns) produces a RawRecipient and ends here, so
// all of them are classified alike.
import type { BounceCategoryPattern } from '../config/model.js';
import { classify, type Outcome } from './classify.js';
import { parseReply, ReplyError, type SmtpReply } from './reply.js';
import type { DsnAction, ReportRecipient } from './report.js';
import { normaliseStatus } from './status-text.js';

export interface RawRecipient {
  address: string;
  originalRecipient?: string;
  action?: string;
  status?: string;
  /** `smtp`, `x-postfix`, … (the Diagnostic-Code type). */
  diagType?: string;
  diagnostic?: string;
  remoteMta?: string;
}

const ACTIONS: Record<string, DsnAction> = {
  failed: 'failed',
  failure: 'failed',
  delayed: 'delayed',
  delivered: 'delivered',
  relayed: 'relayed',
  expanded: 'expanded',
  // Words body-pattern files meet in non-standard reports.
  rejected: 'failed',
  bounced: 'failed',
  deferred: 'delayed',
};

const OUTCOME_OF: Record<DsnAction, Outcome> = {
  failed: 'permanent',
  delayed: 'transient',
  delivered: 'success',
  relayed: 'success',
  expanded: 'success',
};

/** `rfc822; <a@b>` → `a@b` (the address type is dropped; angle brackets and quotes too). */
export function addressOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  const address = text
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .replace(/^"(.*)"$/, '$1')
    .trim();
  return address === '' ? undefined : address;
}

/** `dns; mx.example.com` → `mx.example.com`. */
export function mtaName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const name = (value.includes(';') ? value.slice(value.indexOf(';') + 1) : value).trim();
  return name || undefined;
}

function replyOf(raw: RawRecipient): SmtpReply {
  try {
    if (raw.diagnostic) return parseReply(raw.diagnostic);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
  }
  return { text: '' };
}

export function finishRecipient(
  raw: RawRecipient,
  patterns?: readonly BounceCategoryPattern[],
): ReportRecipient {
  const action = ACTIONS[raw.action?.trim().toLowerCase().split(/\s/)[0] ?? ''];
  const status = normaliseStatus(raw.status);
  const reply = replyOf(raw);
  // Some MTAs (Exim) always write X.0.0; a diagnostic's own code of the same class says more.
  const vague = status?.endsWith('.0.0') && reply.enhanced?.[0] === status[0];
  const enhanced = vague ? reply.enhanced : (status ?? reply.enhanced);
  const c = classify(
    { ...reply, ...(enhanced ? { enhanced } : {}) },
    {
      ...(patterns ? { patterns } : {}),
      ...(action ? { action, outcome: OUTCOME_OF[action] } : {}),
      diagType: raw.diagType?.toLowerCase() ?? 'smtp',
    },
  );
  const out: ReportRecipient = { address: raw.address };
  if (raw.originalRecipient && raw.originalRecipient !== raw.address)
    out.originalRecipient = raw.originalRecipient;
  out.action =
    action ?? (c.outcome === 'success' ? 'delivered' : c.outcome === 'transient' ? 'delayed' : 'failed');
  out.status = c.status;
  out.dsnStatus = c.dsnStatus;
  if (reply.text !== '') out.diagnostic = c.dsnDiag;
  if (raw.remoteMta) out.remoteMta = raw.remoteMta;
  out.category = c.category;
  if (c.bounceClass) out.bounceClass = { code: c.bounceClass.code, name: c.bounceClass.name };
  out.outcome = c.outcome;
  return out;
}
