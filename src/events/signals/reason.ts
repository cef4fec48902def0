// The failure fields of bounce, delay, out-of-band and rejection events (sparkpost-api.md §2.3):
// `raw_reason` is the remote's response as it was, `reason` the same with addresses and IPs
// redacted the way SparkPost shows them (`<...@...>`, `a.b.c.d`), `error_code` its SMTP reply code.
import type { OutpostEvent } from '../record.js';

export interface FailureReason {
  errorCode?: string;
  rawReason?: string;
  reason?: string;
}

const DIAG_TYPE = /^[a-z][a-z0-9-]*;\s*/i;
const REPLY_CODE = /^([245]\d\d)(?:[\s-]|$)/;
const ADDRESS = /[^\s<>@"()[\],;:]+@[^\s<>@"()[\],;:]+/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;

/**
 * `smtp;550 5.1.1 <jane@x.com> unknown` → code 550, raw without the `smtp;` type, reason redacted.
 * With `hideAddresses` (privacy-policy sha1) raw_reason loses its addresses too: remote servers
 * quote the recipient, and the point of hashing it is that it never leaves the MTA.
 */
export function failureReason(event: OutpostEvent, hideAddresses: boolean): FailureReason {
  const raw = event.dsnDiag?.replace(DIAG_TYPE, '').trim() || event.dsnStatus?.trim();
  if (!raw) return {};
  const code = raw.match(REPLY_CODE)?.[1] ?? codeFromStatus(event.dsnStatus);
  const rawReason = hideAddresses ? raw.replace(ADDRESS, '...@...') : raw;
  return { errorCode: code, rawReason, reason: redact(raw) };
}

export function redact(text: string): string {
  return text.replace(ADDRESS, '...@...').replace(IPV4, 'a.b.c.d');
}

/**
 * A locally generated failure (`x-pmta;bounce-queue`, an expiry) has no SMTP reply. Momentum, whose
 * log format the ingest API takes, writes those as `554 5.4.7 [internal] …`: 554 for a permanent
 * status, 451 for a transient one (sparkpost-api.md §3 notes).
 */
function codeFromStatus(status: string | undefined): string | undefined {
  const klass = status?.trim()[0];
  if (klass === '5') return '554';
  if (klass === '4') return '451';
  return undefined;
}
