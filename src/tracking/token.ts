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
//   [-12..]  tag, 96 bits
//
// The tag is a MAC over all of it in two layers, so a recipient's copy costs one HMAC and one AES
// call however many links it has (one HMAC per link would be ~2 µs each, 0.7 ms for 300 links):
//   recipient key = HMAC-SHA256(key from the API key, bytes 1 … end of recipient)
//   tag           = CBC-MAC with AES-256 under the recipient key of SHA-256(byte 0 ‖ click part)
// The slot digests are computed once per message; per recipient all tags come from one AES-ECB
// pass over the digests' first halves, an XOR with their second halves, and a second pass.
import { createCipheriv, createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';

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

  /** Keys the tags of every token of one recipient (see the layout above). */
  recipientKey(recipient: Buffer): Buffer {
    return createHmac('sha256', this.macKey).update(recipient).digest();
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

const kindByte = (kind: TrackKind) => (VERSION << 4) | TRACK_KINDS.indexOf(kind);

/** What one pixel or link adds to its tokens; the same for every recipient of a message. */
export interface Slot {
  head: number;
  click?: Buffer;
}

/** Pixel digests depend on the kind byte only: computed once each. */
const pixelDigests = new Map<number, Buffer>();

function slotDigest(head: number, click: Buffer | undefined): Buffer {
  // The one-shot hash: no Hash object per click (the endpoint digests one per hit).
  if (click) return hash('sha256', Buffer.concat([Buffer.of(head), click]), 'buffer');
  let digest = pixelDigests.get(head);
  if (!digest) {
    digest = createHash('sha256').update(Buffer.of(head)).digest();
    pixelDigests.set(head, digest);
  }
  return digest;
}

/** Tags for many slot digests under one recipient key: two-block CBC-MAC each, batched as ECB. */
function tags(recipientKey: Buffer, firstHalves: Buffer, secondHalves: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ecb', recipientKey, null).setAutoPadding(false);
  const chained = cipher.update(firstHalves);
  for (let i = 0; i < chained.length; i++) chained[i]! ^= secondHalves[i]!;
  return cipher.update(chained);
}

const ZERO_IV = Buffer.alloc(16);

/**
 * The tag of one slot digest: AES-256-CBC with a zero IV over its two blocks ends in exactly the
 * two-block CBC-MAC that `tags` computes as ECB, XOR, ECB; one cipher call instead of two (the
 * endpoint verifies one token per hit).
 */
function oneTag(recipientKey: Buffer, digest: Buffer): Buffer {
  const blocks = createCipheriv('aes-256-cbc', recipientKey, ZERO_IV).setAutoPadding(false).update(digest);
  return blocks.subarray(16, 16 + MAC_BYTES);
}

/** The slots of one message, digested once; `tokens` signs them all for one recipient. */
export class TokenSlots {
  private readonly firstHalves: Buffer;
  private readonly secondHalves: Buffer;
  private readonly longest: number;

  constructor(readonly slots: readonly Slot[]) {
    const digests = slots.map((slot) => slotDigest(slot.head, slot.click));
    this.firstHalves = Buffer.concat(digests.map((d) => d.subarray(0, 16)));
    this.secondHalves = Buffer.concat(digests.map((d) => d.subarray(16)));
    this.longest = Math.max(0, ...slots.map((slot) => slot.click?.length ?? 0));
  }

  /** One token per slot, in order, for the recipient part from `recipientPart`. */
  tokens(key: TrackingKey, recipient: Buffer): string[] {
    if (this.slots.length === 0) return [];
    const tagged = tags(key.recipientKey(recipient), this.firstHalves, this.secondHalves);
    const scratch = Buffer.allocUnsafe(1 + recipient.length + this.longest + MAC_BYTES);
    recipient.copy(scratch, 1);
    return this.slots.map((slot, i) => {
      scratch[0] = slot.head;
      let at = 1 + recipient.length;
      if (slot.click) at += slot.click.copy(scratch, at);
      at += tagged.copy(scratch, at, i * 16, i * 16 + MAC_BYTES);
      return scratch.toString('base64url', 0, at);
    });
  }
}

export function slot(kind: TrackKind, url?: string, linkName?: string): Slot {
  return kind === 'click'
    ? { head: kindByte(kind), click: clickPart(url ?? '', linkName) }
    : { head: kindByte(kind) };
}

export function signToken(key: TrackingKey, claims: TrackingClaims): string {
  const slots = new TokenSlots([slot(claims.kind, claims.url, claims.linkName)]);
  return slots.tokens(key, recipientPart(key, claims))[0]!;
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
    // Only the canonical spelling: the decoder would ignore stray trailing bits.
    if (!canonicalTail(token)) return undefined;
    const data = Buffer.from(token, 'base64url');
    if (data.length < FIXED_BYTES + MAC_BYTES + 3) return undefined;
    const entry = this.keys.get(data.subarray(1, 1 + KEY_ID_BYTES).toString('hex'));
    if (!entry || data[0]! >> 4 !== VERSION) return undefined;
    const macAt = data.length - MAC_BYTES;
    const parsed = parseBody(data, macAt);
    if (!parsed) return undefined;
    const click = parsed.clickAt < macAt ? data.subarray(parsed.clickAt, macAt) : undefined;
    const digest = slotDigest(data[0]!, click);
    const tag = oneTag(entry.key.recipientKey(data.subarray(1, parsed.clickAt)), digest);
    if (!timingSafeEqual(tag, data.subarray(macAt))) return undefined;
    return { ...parsed.claims, signer: entry.info };
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Whether unpadded base64url text is the one spelling of its bytes (what re-encoding and comparing
 * would tell, without the copy): a length of 1 mod 4 is never whole bytes, and the last character
 * of a 2- or 3-character group must leave its 4 or 2 spare bits zero. The alphabet is checked first.
 */
function canonicalTail(token: string): boolean {
  const rest = token.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = B64URL.indexOf(token[token.length - 1]!);
  return last % (rest === 2 ? 16 : 4) === 0;
}

function parseBody(data: Buffer, end: number): { claims: TrackingClaims; clickAt: number } | undefined {
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
  const clickAt = r.at;
  if (kind !== 'click') return clickAt === end ? { claims, clickAt } : undefined;
  const nameLength = r.byte();
  const linkName = nameLength === undefined ? undefined : text(r.bytes(nameLength));
  const url = text(r.rest());
  if (linkName === undefined || !url) return undefined;
  if (linkName) claims.linkName = linkName;
  claims.url = url;
  return { claims, clickAt };
}
