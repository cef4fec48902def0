// Tracking tokens: the path segment of every open pixel and wrapped link. A token names what was
// sent (customer, message, recipient, and for a click the target URL) and is authenticated with an
// HMAC keyed from the account's API key, so the tracking endpoint needs no per-message storage and
// nobody can mint a token that records an event or redirects anywhere (no open redirect).
//
// Layout (then base64url, no padding):
//   [0]      version (high nibble, 1) | kind (low nibble: 0 initial_open, 1 open, 2 click)
//   [1..4]   key id: tells the endpoint which of its API keys signed the token
//   [5..6]   issue day, uint16 big-endian, days since 2020-01-01 UTC (tokens expire after months)
//   varint   customer id
//   byte n   message id: n = 0 → 10 bytes holding 20 lower-case hex digits; else n UTF-8 bytes
//   varint   recipient length, then the recipient as UTF-8
//   click:   byte name length (0–63) + link name (data-msys-linkname), then the URL to the end
//   [-12..]  HMAC-SHA256 of everything before it, cut to 96 bits
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TRACK_KINDS = ['initial_open', 'open', 'click'] as const;
export type TrackKind = (typeof TRACK_KINDS)[number];

const VERSION = 1;
const MAC_BYTES = 12;
const KEY_ID_BYTES = 4;
const FIXED_BYTES = 1 + KEY_ID_BYTES + 2;
const EPOCH_DAY = Date.UTC(2020, 0, 1) / 86_400_000;
/** SparkPost refuses links over 4096 bytes (sparkpost-api.md §7); tokens stay well under URL limits. */
export const MAX_URL_BYTES = 4096;
export const MAX_LINK_NAME_BYTES = 63;
const MAX_TOKEN_CHARS = Math.ceil(((MAX_URL_BYTES + 1024) * 4) / 3);
const HEX20 = /^[0-9a-f]{20}$/;

export interface TrackingClaims {
  kind: TrackKind;
  customerId: number;
  messageId: string;
  rcpt: string;
  /** Days since 2020-01-01 UTC when the message was prepared. */
  issueDay: number;
  /** Clicks only. */
  url?: string;
  linkName?: string;
}

export function dayNumber(ms: number): number {
  return Math.floor(ms / 86_400_000) - EPOCH_DAY;
}

function derive(apiKey: string, label: string): Buffer {
  return createHmac('sha256', apiKey).update(`outpost-tracking/v1/${label}`).digest();
}

/** The signing half of an API key: what the MTA holds. */
export class TrackingKey {
  readonly id: Buffer;
  readonly macKey: Buffer;

  constructor(apiKey: string) {
    if (!apiKey) throw new TypeError('a tracking key needs the account API key');
    this.id = derive(apiKey, 'key-id').subarray(0, KEY_ID_BYTES);
    this.macKey = derive(apiKey, 'mac');
  }

  mac(body: Buffer): Buffer {
    return createHmac('sha256', this.macKey).update(body).digest().subarray(0, MAC_BYTES);
  }
}

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Bytes that follow the kind byte and stay the same for every token of one recipient. */
export function recipientPart(
  key: TrackingKey,
  claims: Omit<TrackingClaims, 'kind' | 'url' | 'linkName'>,
): Buffer {
  if (!Number.isSafeInteger(claims.customerId) || claims.customerId < 0)
    throw new RangeError('bad customer id');
  if (claims.issueDay < 0 || claims.issueDay > 0xffff) throw new RangeError('issue day out of range');
  const head: number[] = [...key.id, claims.issueDay >> 8, claims.issueDay & 0xff];
  writeVarint(head, claims.customerId);
  let id: Buffer;
  if (HEX20.test(claims.messageId)) {
    head.push(0);
    id = Buffer.from(claims.messageId, 'hex');
  } else {
    id = Buffer.from(claims.messageId, 'utf8');
    if (id.length === 0 || id.length > 255) throw new RangeError('message id must be 1 to 255 bytes');
    head.push(id.length);
  }
  const rcpt = Buffer.from(claims.rcpt, 'utf8');
  const tail: number[] = [];
  writeVarint(tail, rcpt.length);
  return Buffer.concat([Buffer.from(head), id, Buffer.from(tail), rcpt]);
}

/** Bytes a click token adds after the recipient: link name and URL. */
export function clickPart(url: string, linkName = ''): Buffer {
  const urlBytes = Buffer.from(url, 'utf8');
  if (urlBytes.length > MAX_URL_BYTES)
    throw new RangeError(`URLs over ${MAX_URL_BYTES} bytes are not tracked`);
  const name = Buffer.from(linkName, 'utf8').subarray(0, MAX_LINK_NAME_BYTES);
  return Buffer.concat([Buffer.from([name.length]), name, urlBytes]);
}

const KIND_BYTES = TRACK_KINDS.map((_, i) => Buffer.from([(VERSION << 4) | i]));

/** One token from precomputed parts: the per-recipient hot path (one HMAC, one base64url). */
export function signParts(key: TrackingKey, kind: TrackKind, recipient: Buffer, click?: Buffer): string {
  const body = Buffer.concat(
    click
      ? [KIND_BYTES[TRACK_KINDS.indexOf(kind)]!, recipient, click]
      : [KIND_BYTES[TRACK_KINDS.indexOf(kind)]!, recipient],
  );
  return Buffer.concat([body, key.mac(body)]).toString('base64url');
}

export function signToken(key: TrackingKey, claims: TrackingClaims): string {
  const click = claims.kind === 'click' ? clickPart(claims.url ?? '', claims.linkName) : undefined;
  return signParts(key, claims.kind, recipientPart(key, claims), click);
}

/** Reads what the MAC covers; any inconsistency is `undefined`, never an exception. */
class Reader {
  constructor(
    private readonly data: Buffer,
    public at: number,
    private readonly end: number,
  ) {}
  byte(): number | undefined {
    return this.at < this.end ? this.data[this.at++] : undefined;
  }
  varint(): number | undefined {
    let value = 0;
    for (let shift = 1, i = 0; i < 5; i++, shift *= 128) {
      const b = this.byte();
      if (b === undefined) return undefined;
      value += (b & 0x7f) * shift;
      if (b < 0x80) return value;
    }
    return undefined;
  }
  bytes(n: number): Buffer | undefined {
    if (n < 0 || this.at + n > this.end) return undefined;
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  rest(): Buffer {
    return this.bytes(this.end - this.at)!;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
function text(bytes: Buffer | undefined): string | undefined {
  if (!bytes) return undefined;
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface VerifiedToken<K> extends TrackingClaims {
  /** What the keyring stored with the key that signed it (its subaccount, for instance). */
  signer: K;
}

/** The verifying half: the API keys the endpoint accepts, found by key id. */
export class TrackingKeyring<K = undefined> {
  private readonly keys = new Map<string, { key: TrackingKey; info: K }>();

  add(apiKey: string, info: K): this {
    const key = new TrackingKey(apiKey);
    this.keys.set(key.id.toString('hex'), { key, info });
    return this;
  }

  get size(): number {
    return this.keys.size;
  }

  /** The claims of an authentic token, or `undefined` for anything tampered, truncated or foreign. */
  verify(token: string): VerifiedToken<K> | undefined {
    if (token.length < 20 || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token))
      return undefined;
    const data = Buffer.from(token, 'base64url');
    // Only the canonical spelling: the decoder would ignore stray trailing bits.
    if (data.length < FIXED_BYTES + MAC_BYTES + 3 || data.toString('base64url') !== token) return undefined;
    const entry = this.keys.get(data.subarray(1, 1 + KEY_ID_BYTES).toString('hex'));
    if (!entry || data[0]! >> 4 !== VERSION) return undefined;
    const macAt = data.length - MAC_BYTES;
    if (!timingSafeEqual(entry.key.mac(data.subarray(0, macAt)), data.subarray(macAt))) return undefined;
    const claims = parseBody(data, macAt);
    return claims && { ...claims, signer: entry.info };
  }
}

function parseBody(data: Buffer, end: number): TrackingClaims | undefined {
  const kind = TRACK_KINDS[data[0]! & 0x0f];
  if (!kind) return undefined;
  const r = new Reader(data, 1 + KEY_ID_BYTES, end);
  const issueDay = (r.byte()! << 8) | r.byte()!;
  const customerId = r.varint();
  const idLength = r.byte();
  if (customerId === undefined || idLength === undefined) return undefined;
  const messageId = idLength === 0 ? r.bytes(10)?.toString('hex') : text(r.bytes(idLength));
  const rcptLength = r.varint();
  const rcpt = rcptLength === undefined ? undefined : text(r.bytes(rcptLength));
  if (messageId === undefined || rcpt === undefined) return undefined;
  const claims: TrackingClaims = { kind, customerId, messageId, rcpt, issueDay };
  if (kind !== 'click') return r.at === end ? claims : undefined;
  const nameLength = r.byte();
  const linkName = nameLength === undefined ? undefined : text(r.bytes(nameLength));
  const url = text(r.rest());
  if (linkName === undefined || !url) return undefined;
  if (linkName) claims.linkName = linkName;
  claims.url = url;
  return claims;
}
