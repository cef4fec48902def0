import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dayNumber,
  MAX_URL_BYTES,
  signToken,
  type TrackingClaims,
  TrackingKey,
  TrackingKeyring,
} from '../../src/tracking/token.js';

const API_KEY = 'a'.repeat(40);
const key = new TrackingKey(API_KEY);
const ring = new TrackingKeyring<{ subaccount: number }>().add(API_KEY, { subaccount: 3 });
const day = dayNumber(Date.UTC(2026, 5, 1));

const click: TrackingClaims = {
  kind: 'click',
  customerId: 12345,
  messageId: '00001a2b3c4d5e6f7a8b',
  rcpt: 'Someone@Example.com',
  issueDay: day,
  url: 'https://shop.example.com/deals?utm_source=mail&id=7#top',
  linkName: 'Deals button',
};

describe('tracking tokens', () => {
  it('round-trips every kind and says which key signed it', () => {
    for (const kind of ['initial_open', 'open'] as const) {
      const claims = { ...click, kind, url: undefined, linkName: undefined };
      const { url: _u, linkName: _l, ...expected } = claims;
      assert.deepEqual(ring.verify(signToken(key, claims)), { ...expected, signer: { subaccount: 3 } });
    }
    assert.deepEqual(ring.verify(signToken(key, click)), { ...click, signer: { subaccount: 3 } });
  });

  it('is compact and URL-safe', () => {
    const open = signToken(key, { ...click, kind: 'open' });
    assert.match(open, /^[A-Za-z0-9_-]+$/);
    // 34 bytes of fixed fields, MAC and a 20-hex message id, plus the recipient, in base64.
    assert.ok(
      open.length <= Math.ceil(((34 + click.rcpt.length) * 4) / 3),
      `open token is ${open.length} characters`,
    );
    const link = signToken(key, click);
    const clickBytes = 34 + click.rcpt.length + 1 + click.linkName!.length + click.url!.length;
    assert.ok(link.length <= Math.ceil((clickBytes * 4) / 3), `click token is ${link.length} characters`);
  });

  it('carries message ids that are not 20 hex digits, and non-ASCII recipients', () => {
    const claims = {
      ...click,
      messageId: 'custom-<id>@host',
      rcpt: 'jürgen@exämple.de',
      linkName: undefined,
    };
    const { linkName: _l, ...expected } = claims;
    assert.deepEqual(ring.verify(signToken(key, claims)), { ...expected, signer: { subaccount: 3 } });
    const upper = { ...click, messageId: '00001A2B3C4D5E6F7A8B' };
    assert.equal(ring.verify(signToken(key, upper))?.messageId, '00001A2B3C4D5E6F7A8B');
  });

  it('refuses every single-bit change anywhere in the token', () => {
    const data = Buffer.from(signToken(key, click), 'base64url');
    for (let i = 0; i < data.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const changed = Buffer.from(data);
        changed[i]! ^= 1 << bit;
        assert.equal(ring.verify(changed.toString('base64url')), undefined, `byte ${i} bit ${bit}`);
      }
    }
  });

  it('refuses truncated and extended tokens', () => {
    const token = signToken(key, click);
    for (let n = 0; n < token.length; n++)
      assert.equal(ring.verify(token.slice(0, n)), undefined, `first ${n}`);
    for (let n = 1; n < token.length; n++) assert.equal(ring.verify(token.slice(n)), undefined, `from ${n}`);
    assert.equal(ring.verify(`${token}A`), undefined);
    assert.equal(ring.verify(`${token}AAAA`), undefined);
  });

  it('refuses a token spliced from two genuine ones', () => {
    // Recipient A's fields with the link (and tag) of recipient B's token, and the other way round.
    const a = Buffer.from(signToken(key, { ...click, rcpt: 'a@example.com' }), 'base64url');
    const b = Buffer.from(
      signToken(key, { ...click, rcpt: 'b@example.com', url: 'https://evil.example/' }),
      'base64url',
    );
    const split = 1 + 4 + 2 + 2 + 1 + 10 + 1 + 'a@example.com'.length;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const spliced = Buffer.concat([x.subarray(0, split), y.subarray(split)]);
      assert.equal(ring.verify(spliced.toString('base64url')), undefined);
    }
    const sameRecipientOtherLink = Buffer.from(
      signToken(key, { ...click, url: 'https://evil.example/' }),
      'base64url',
    );
    const mine = Buffer.from(signToken(key, click), 'base64url');
    const swapped = Buffer.concat([mine.subarray(0, mine.length - 12), sameRecipientOtherLink.subarray(-12)]);
    assert.equal(ring.verify(swapped.toString('base64url')), undefined);
  });

  it('refuses tokens signed with another key, and garbage', () => {
    const foreign = new TrackingKey('b'.repeat(40));
    assert.equal(ring.verify(signToken(foreign, click)), undefined);
    // Same key id bytes cannot help: the MAC is keyed by the whole API key.
    const forged = Buffer.from(signToken(foreign, click), 'base64url');
    key.id.copy(forged, 1);
    assert.equal(ring.verify(forged.toString('base64url')), undefined);
    for (const junk of [
      '',
      'x',
      '%2e%2e',
      'a'.repeat(100),
      '../../etc/passwd',
      'A'.repeat(20_000),
      'é'.repeat(40),
    ]) {
      assert.equal(ring.verify(junk), undefined, junk.slice(0, 20));
    }
  });

  it('an empty keyring verifies nothing', () => {
    assert.equal(new TrackingKeyring().verify(signToken(key, click)), undefined);
  });

  it('will not sign URLs SparkPost would refuse, or nonsense ids', () => {
    assert.throws(
      () => signToken(key, { ...click, url: `https://x.com/${'a'.repeat(MAX_URL_BYTES)}` }),
      RangeError,
    );
    assert.throws(() => signToken(key, { ...click, messageId: '' }), RangeError);
    assert.throws(() => signToken(key, { ...click, customerId: -1 }), RangeError);
    assert.throws(() => new TrackingKey(''), TypeError);
  });

  it('keeps link names to 63 bytes', () => {
    const verified = ring.verify(signToken(key, { ...click, linkName: 'n'.repeat(100) }));
    assert.equal(verified?.linkName, 'n'.repeat(63));
  });

  it('numbers issue days from 2020-01-01', () => {
    assert.equal(dayNumber(Date.UTC(2020, 0, 1)), 0);
    assert.equal(dayNumber(Date.UTC(2020, 0, 2) - 1), 0);
    assert.equal(dayNumber(Date.UTC(2021, 0, 1)), 366);
  });
});
