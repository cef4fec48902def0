// One failure (or success) → PowerMTA bounce category, SparkPost bounce class, and whether it is
// permanent. Used by delivery for every reply it gets and by the bounce processor for every
// recipient a remote report names.
import type { BounceCategoryPattern } from '../config/model.js';
import { type BounceClass, classFor } from './bounce-class.js';
import type { SmtpReply } from './reply.js';
import { dsnStatus } from './status-text.js';
import { STOCK_BOUNCE_CATEGORY_PATTERNS } from './stock-categories.js';

export interface ClassifyOptions {
  /** The configuration's <bounce-category-patterns>; the stock list when undefined. */
  patterns?: readonly BounceCategoryPattern[];
  /** DSN action (`failed`, `delayed`, …), for patterns written against `action,status,diag`. */
  action?: string;
  /** Diagnostic type for dsnDiag: `smtp` unless the report said otherwise (`x-postfix`, `x-pmta`). */
  diagType?: string;
  /** Set when a report already decided (a DSN's Action): `failed` after a 4xx retried to expiry. */
  outcome?: Outcome;
}

export type Outcome = 'success' | 'transient' | 'permanent';

export interface Classification {
  /** PowerMTA bounce category (`bad-mailbox`, …; `success` for 2xx). */
  category: string;
  /** SparkPost bounce class; undefined for a success. */
  bounceClass?: BounceClass;
  outcome: Outcome;
  /** Enhanced status used: the reply's own, else X.0.0 from the basic code. */
  status: string;
  /** `5.1.1 (bad destination mailbox address)`. */
  dsnStatus: string;
  /** `smtp;550 5.1.1 …`. */
  dsnDiag: string;
}

const OUTCOMES: Record<string, Outcome> = { '2': 'success', '4': 'transient', '5': 'permanent' };

/** The status of a reply without an enhanced code: `550` → 5.0.0, as PowerMTA writes it. */
function statusOf(reply: SmtpReply): string | undefined {
  if (reply.enhanced) return reply.enhanced;
  if (reply.code) return `${Math.floor(reply.code / 100)}.0.0`;
  return undefined;
}

/**
 * First matching pattern wins. The reference leaves open which string PowerMTA matches
 * (powermta.md §4.2), and the stock list has patterns for three shapes, so each pattern is tried
 * against the reply text, `status;reply` and `action,dsnStatus,dsnDiag`.
 */
export function bounceCategory(
  subjects: readonly string[],
  patterns = STOCK_BOUNCE_CATEGORY_PATTERNS,
): string {
  for (const { regex, category } of patterns) {
    if (subjects.some((subject) => regex.test(subject))) return category;
  }
  return 'other';
}

export function classify(reply: SmtpReply, options: ClassifyOptions = {}): Classification {
  const status = statusOf(reply);
  // The basic code decides what the client does; the status is the fallback for prose diagnostics.
  const klass = reply.code ? String(reply.code)[0]! : status?.[0];
  const outcome =
    options.outcome ?? OUTCOMES[klass ?? ''] ?? (options.action === 'delayed' ? 'transient' : 'permanent');
  const effective = status ?? { success: '2.0.0', transient: '4.0.0', permanent: '5.0.0' }[outcome];
  const diag = `${options.diagType ?? 'smtp'};${reply.text}`;
  const written = dsnStatus(effective);
  const subjects = [reply.text, `${effective};${reply.text}`];
  if (options.action) subjects.push(`${options.action},${written},${diag}`);
  // A success is no bounce, whatever its text says (`250 2.0.0 queued, not spam`).
  const category = outcome === 'success' ? 'success' : bounceCategory(subjects, options.patterns);
  const result: Classification = { category, outcome, status: effective, dsnStatus: written, dsnDiag: diag };
  const permanent = klass || options.outcome ? outcome === 'permanent' : undefined;
  const bounceClass = classFor({ category, text: reply.text, status: effective, permanent });
  if (bounceClass) result.bounceClass = bounceClass;
  return result;
}
