// `privacy-policy` of <acct-file>: replaces the local part of recipient addresses, lower-cased first,
// with a redaction string or a keyed hash in hex (powermta.md §3.1). SipHash keys are padded to 16
// bytes. PowerMTA's exact hex byte order for SipHash is UNCONFIRMED: we print the 8 output bytes in
// the reference implementation's (little-endian) order.
import { createHmac } from 'node:crypto';

export interface PrivacyPolicy {
  mode: string;
  key: string | undefined;
}

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK;

/** SipHash-2-4 of `data` under a 16-byte key; returns the 8 output bytes. */
export function sipHash24(key: Buffer, data: Buffer): Buffer {
  const k0 = key.readBigUInt64LE(0);
  const k1 = key.readBigUInt64LE(8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const fullBlocks = Math.floor(data.length / 8);
  for (let i = 0; i < fullBlocks; i++) {
    const m = data.readBigUInt64LE(i * 8);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const tail = Buffer.alloc(8);
  data.copy(tail, 0, fullBlocks * 8);
  tail[7] = data.length & 0xff;
  const last = tail.readBigUInt64LE(0);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((v0 ^ v1 ^ v2 ^ v3) & MASK);
  return out;
}

function keyBytes(policy: PrivacyPolicy): Buffer {
  const hex = policy.mode.endsWith('-hexkey');
  const raw = hex ? Buffer.from(policy.key ?? '', 'hex') : Buffer.from(policy.key ?? '', 'utf8');
  if (!policy.mode.startsWith('siphash')) return raw;
  const padded = Buffer.alloc(16);
  raw.copy(padded, 0, 0, 16);
  return padded;
}

/** A function that maps a local part to its replacement, or undefined for `retain`. */
export function localPartReplacer(policy: PrivacyPolicy): ((localPart: string) => string) | undefined {
  if (policy.mode === 'retain') return undefined;
  if (policy.mode === 'redact') {
    const text = policy.key ?? 'redacted';
    return () => text;
  }
  const key = keyBytes(policy);
  if (policy.mode.startsWith('siphash')) {
    return (local) => sipHash24(key, Buffer.from(local.toLowerCase(), 'utf8')).toString('hex');
  }
  return (local) => createHmac('sha256', key).update(local.toLowerCase()).digest('hex');
}

/**
 * Replaces the recipient's local part wherever it appears: in the address fields, inside the
 * remote's reply text, and in a VERP originator (`sender-local=domain@…`).
 */
export function redactRecipient(
  value: string,
  recipient: string,
  replace: (local: string) => string,
): string {
  const at = recipient.lastIndexOf('@');
  if (at <= 0) return value;
  const local = recipient.slice(0, at);
  const escaped = local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return value.replace(new RegExp(escaped, 'gi'), replace(local));
}
