// What ties a remote report back to the message Outpost sent. PowerMTA looks nothing up in its
// spool (reference powermta.md §7.1): everything comes from the report itself, namely the headers
// of the returned original and the address the report was sent to. Outpost's delivery stamps each
// message with an X-Outpost-Ref header (message id, job, VirtualMTA, pool, subaccount) and can send
// with a VERP return path in PowerMTA's form (`bounce-rcptlocal=rcptdomain@bounce.domain`).
import type { Field } from './mime.js';
import { field } from './mime.js';

export const REF_HEADER = 'X-Outpost-Ref';

export interface OutpostRef {
  messageId?: string;
  jobId?: string;
  vmta?: string;
  pool?: string;
  subaccountId?: number;
}

const REF_KEYS = { m: 'messageId', j: 'jobId', v: 'vmta', p: 'pool', s: 'subaccountId' } as const;

/** `m=0000…; j=spring; v=vmta1; p=pool-a; s=101`, values percent-encoded (job ids may hold `;`). */
export function encodeRef(ref: OutpostRef): string {
  const parts: string[] = [];
  for (const [key, name] of Object.entries(REF_KEYS)) {
    const value = ref[name];
    if (value !== undefined && value !== '') parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.join('; ');
}

/** Reads an X-Outpost-Ref value; unknown keys and malformed items are skipped, never thrown. */
export function decodeRef(value: string): OutpostRef {
  const ref: OutpostRef = {};
  for (const item of value.split(';')) {
    const eq = item.indexOf('=');
    const name = REF_KEYS[item.slice(0, eq).trim() as keyof typeof REF_KEYS];
    if (eq < 0 || !name) continue;
    let text: string;
    try {
      text = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      continue;
    }
    if (name === 'subaccountId') {
      if (/^\d{1,9}$/.test(text)) ref.subaccountId = Number(text);
    } else if (text !== '') ref[name] = text;
  }
  return ref;
}

export interface Verp {
  /** The return path's own local part before the recipient (`bounce`). */
  prefix: string;
  /** The original recipient the VERP address encodes. */
  recipient: string;
}

/**
 * Decodes `prefix-rcptlocal=rcptdomain@domain`. The recipient's domain is after the last `=` (a
 * domain has none); the prefix ends at the first `-`, or at one of `prefixes` when given, since
 * both the prefix and the recipient's local part may contain `-`.
 */
export function decodeVerp(address: string, prefixes: readonly string[] = []): Verp | undefined {
  const at = address.lastIndexOf('@');
  const local = at > 0 ? address.slice(0, at) : '';
  const eq = local.lastIndexOf('=');
  if (eq < 0) return undefined;
  const domain = local.slice(eq + 1);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(domain)) return undefined;
  const head = local.slice(0, eq);
  const known = prefixes.find((p) => head.toLowerCase().startsWith(`${p.toLowerCase()}-`));
  const dash = known ? known.length : head.indexOf('-');
  if (dash <= 0 || dash === head.length - 1) return undefined;
  return { prefix: head.slice(0, dash), recipient: `${head.slice(dash + 1)}@${domain}` };
}

/** What the report tells about the original message. Every field is optional: reports vary. */
export interface OriginalMessage extends OutpostRef {
  /** The original's Message-ID header (not Outpost's SparkPost-style id). */
  headerMessageId?: string;
  subject?: string;
  from?: string;
  returnPath?: string;
  to?: string;
  /** The recipient a VERP return path encodes. */
  verpRecipient?: string;
  /** The original's headers, for `header_NAME` accounting fields. */
  headers?: Field[];
}

const stripAngles = (value: string) => value.replace(/^.*<([^>]*)>.*$/, '$1').trim();

export interface MatchOptions {
  /** `custom-message-id-header` of the <signals> block (reference powermta.md §2.12). */
  customMessageIdHeader?: string;
  /** Known VERP prefixes (the local parts of the bounce addresses). */
  verpPrefixes?: readonly string[];
}

/**
 * Collects what the original's headers and the report's own address say. X-Outpost-Ref wins over
 * the PowerMTA headers it repeats (X-Job, X-Virtual-MTA, X-SP-Subaccount-ID), which a sender may
 * have set differently before Outpost picked a pool.
 */
export function matchOriginal(
  headers: readonly Field[] | undefined,
  sentTo: string | undefined,
  options: MatchOptions = {},
): OriginalMessage {
  const out: OriginalMessage = {};
  const get = (name: string) => (headers ? field(headers, name) : undefined);
  const ref = get(REF_HEADER);
  const subaccount = get('X-SP-Subaccount-ID')?.trim();
  const fallback: OutpostRef = {
    messageId: options.customMessageIdHeader ? get(options.customMessageIdHeader)?.trim() : undefined,
    jobId: get('X-Job')?.trim(),
    vmta: get('X-Virtual-MTA')?.trim(),
    subaccountId: subaccount && /^\d{1,9}$/.test(subaccount) ? Number(subaccount) : undefined,
  };
  const merged = { ...fallback, ...(ref ? decodeRef(ref) : {}) };
  for (const [key, value] of Object.entries(merged)) {
    if (value !== undefined && value !== '') (out as Record<string, unknown>)[key] = value;
  }
  const set = (key: keyof OriginalMessage, value: string | undefined) => {
    if (value) (out as Record<string, unknown>)[key] = value;
  };
  set('headerMessageId', get('Message-ID') && stripAngles(get('Message-ID')!));
  set('subject', get('Subject'));
  set('from', get('From'));
  set('returnPath', get('Return-Path') && stripAngles(get('Return-Path')!));
  set('to', get('To'));
  for (const address of [sentTo, out.returnPath]) {
    const verp = address ? decodeVerp(address, options.verpPrefixes) : undefined;
    if (verp) {
      out.verpRecipient = verp.recipient;
      break;
    }
  }
  if (headers && headers.length > 0) out.headers = [...headers];
  return out;
}
