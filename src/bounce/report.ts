// The shape of one parsed report, as `outpost bounce parse` prints it and as the processor turns it
// into events. Field names follow PowerMTA's accounting fields where one exists (reference
// powermta.md §3.3: rb/rs/f records).
import type { OriginalMessage } from './original.js';

export type ReportKind = 'dsn' | 'status' | 'fbl' | 'unrecognized';

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface ReportRecipient {
  /** Final-Recipient (DSN) or the complained-about recipient (FBL). */
  address: string;
  originalRecipient?: string;
  action?: DsnAction;
  /** `5.1.1`. */
  status?: string;
  /** `5.1.1 (bad destination mailbox address)`. */
  dsnStatus?: string;
  /** `smtp;550 5.1.1 …` (PowerMTA's dsnDiag form: type, semicolon, text). */
  diagnostic?: string;
  /** `mx.example.com` from Remote-MTA. */
  remoteMta?: string;
  /** PowerMTA bounce category; absent for FBL recipients. */
  category?: string;
  bounceClass?: { code: number; name: string };
  outcome?: 'success' | 'transient' | 'permanent';
  // For feedback reports, the report's fields repeated per complained-about recipient.
  feedbackType?: string;
  userAgent?: string;
  sourceIp?: string;
  reportedDomain?: string;
  arrivalDate?: string;
}

export interface FeedbackInfo {
  /** ARF Feedback-Type (`abuse`, `fraud`, …); `abuse` for JMRP. */
  type: string;
  userAgent?: string;
  sourceIp?: string;
  reportedDomain?: string;
  arrivalDate?: string;
  originalMailFrom?: string;
  reportingMta?: string;
  /** Every field of the feedback report, for `arf_NAME` accounting fields. */
  fields: Record<string, string[]>;
}

export interface ParsedReport {
  kind: ReportKind;
  /** `dsn`, `qmail`, `exim`, `sendmail`, `postfix`, `exchange`, `yahoo`, `plain`, `arf`, `jmrp`, or a pattern file's name. */
  format?: string;
  reportingMta?: string;
  arrivalDate?: string;
  envId?: string;
  /** The address the report was sent to (PowerMTA's `orig` in rb/rs records). */
  sentTo?: string;
  recipients: ReportRecipient[];
  feedback?: FeedbackInfo;
  original: OriginalMessage;
}
