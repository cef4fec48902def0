// The tracking endpoint on a real fastify server (127.0.0.1, ephemeral port), driven over HTTP.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/logging.js';
import { frontServer } from '../../src/signals/http/front.js';
import type { TrackingEvent } from '../../src/tracking/endpoint/event.js';
import { TrackingRecorder } from '../../src/tracking/endpoint/recorder.js';
import { PIXEL_GIF, trackingHandler, trackingKeyring } from '../../src/tracking/endpoint/routes.js';
import { dayNumber, signToken, type TrackingClaims, TrackingKey } from '../../src/tracking/token.js';
import { MESSAGE_ID, track } from './helpers.js';

const KEY = 'k'.repeat(40);
const SUB_KEY = 's'.repeat(40);
const NOW = Date.UTC(2026, 2, 10, 12);
const key = new TrackingKey(KEY);

/** A store that can be switched off. */
class MemorySink {
  events: TrackingEvent[] = [];
  down = false;
  async write(events: TrackingEvent[]): Promise<void> {
    if (this.down) throw new Error('store unavailable');
    this.events.push(...events);
  }
}

const claims = (over: Partial<TrackingClaims> = {}): TrackingClaims => ({
  kind: 'open',
  customerId: 77,
  messageId: MESSAGE_ID,
  rcpt: 'Reader@Example.ORG',
  issueDay: dayNumber(NOW),
  ...over,
});

describe('tracking endpoint', () => {
  let app: FastifyInstance;
  let base: string;
  let sink: MemorySink;
  let recorder: TrackingRecorder;

  before(async () => {
    sink = new MemorySink();
    recorder = new TrackingRecorder({ sink, log: silentLogger(), lingerMs: 1, retryMs: [5, 20] });
    const handler = trackingHandler({
      keyring: trackingKeyring([
        { key: KEY, grants: ['events/ingest'] },
        { key: SUB_KEY, grants: ['events/ingest', 'metrics/view'], subaccount: 9 },
        { key: 'v'.repeat(40), grants: ['metrics/view'] },
      ]),
      customerId: 77,
      recorder,
      log: silentLogger(),
      now: () => NOW,
    });
    // As the Signals server runs it: ahead of fastify, which answers everything else.
    app = Fastify({ serverFactory: frontServer([handler]) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await recorder.stop();
    await app.close();
  });
  beforeEach(async () => {
    await recorder.flush();
    sink.events = [];
    sink.down = false;
  });

  const get = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { 'user-agent': 'TestMail/1.0', ...init.headers },
    });

  async function events(): Promise<TrackingEvent[]> {
    await recorder.flush();
    return sink.events;
  }

  it('serves a transparent GIF that caches nowhere and records the open', async () => {
    for (const kind of ['initial_open', 'open'] as const) {
      const response = await get(`/o/${signToken(key, claims({ kind }))}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/gif');
      assert.match(response.headers.get('cache-control') ?? '', /no-store/);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), PIXEL_GIF);
    }
    const [initial, open] = await events();
    assert.deepEqual(
      { ...open, event_id: 'x' },
      {
        type: 'open',
        ts: NOW / 1000,
        event_id: 'x',
        customer_id: 77,
        subaccount_id: 0,
        message_id: MESSAGE_ID,
        rcpt_to: 'reader@example.org',
        raw_rcpt_to: 'Reader@Example.ORG',
        recipient_domain: 'example.org',
        delv_method: 'esmtp',
        ip_address: '127.0.0.1',
        user_agent: 'TestMail/1.0',
      },
    );
    assert.equal(initial?.type, 'initial_open');
    assert.match(initial!.event_id, /^\d+$/);
    assert.notEqual(initial!.event_id, open!.event_id);
  });

  it('redirects a click to its target and records it with the link', async () => {
    const url = 'https://shop.example.com/a?x=1&y=ü#frag';
    const named = await get(`/c/${signToken(key, claims({ kind: 'click', url, linkName: 'hero' }))}`);
    assert.equal(named.status, 302);
    assert.equal(named.headers.get('location'), 'https://shop.example.com/a?x=1&y=%C3%BC#frag');
    assert.match(named.headers.get('cache-control') ?? '', /no-store/);
    await get(`/c/${signToken(key, claims({ kind: 'click', url: 'http://plain.example.com' }))}`);
    const [first, second] = await events();
    assert.equal(first?.type, 'click');
    assert.equal(first?.target_link_url, url);
    assert.equal(first?.target_link_name, 'hero');
    assert.equal(second?.target_link_name, 'Raw URL');
    assert.equal(second?.target_link_url, 'http://plain.example.com');
  });

  it('takes the subaccount from the key that signed the token', async () => {
    await get(`/o/${signToken(new TrackingKey(SUB_KEY), claims())}`);
    assert.equal((await events())[0]?.subaccount_id, 9);
  });

  it('answers 404, records nothing and redirects nowhere for anything not authentic', async () => {
    const click = signToken(key, claims({ kind: 'click', url: 'https://shop.example.com/' }));
    const evil = Buffer.from(click, 'base64url');
    evil.write('evil', evil.length - 20, 'latin1');
    const paths = [
      `/c/${evil.toString('base64url')}`, // tampered
      `/c/${click.slice(0, -3)}`, // truncated
      `/c/${signToken(new TrackingKey('f'.repeat(40)), claims({ kind: 'click', url: 'https://evil.example/' }))}`, // foreign key
      `/c/${signToken(new TrackingKey('v'.repeat(40)), claims({ kind: 'click', url: 'https://evil.example/' }))}`, // key without ingest grant
      `/c/${signToken(key, claims({ kind: 'click', url: 'https://evil.example/', customerId: 78 }))}`, // another customer
      `/o/${click}`, // click token on the pixel path
      `/c/${signToken(key, claims())}`, // pixel token on the click path
      '/c/https://evil.example/',
      '/c/',
      '/o/..%2F..%2Fetc%2Fpasswd',
      `/c/${click}/extra`,
    ];
    for (const path of paths) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('location'), null, path);
      assert.notEqual(response.headers.get('content-type'), 'image/gif', path);
    }
    assert.deepEqual(await events(), []);
  });

  it('answers HEAD requests (link scanners) without recording', async () => {
    const pixel = await get(`/o/${signToken(key, claims())}`, { method: 'HEAD' });
    const click = await get(`/c/${signToken(key, claims({ kind: 'click', url: 'https://a.example/' }))}`, {
      method: 'HEAD',
    });
    assert.deepEqual([pixel.status, click.status], [200, 302]);
    assert.deepEqual(await events(), []);
  });

  it('reads the token past a query string and percent-escapes; other methods go to fastify', async () => {
    const token = signToken(key, claims());
    const escaped = `%${token.charCodeAt(0).toString(16)}${token.slice(1)}`;
    assert.equal((await get(`/o/${token}?utm_source=x`)).status, 200);
    assert.equal((await get(`/o/${escaped}`)).status, 200);
    assert.equal((await get(`/o/${token}`, { method: 'POST' })).status, 404);
    assert.equal((await get('/o/%E0%A4%A')).status, 404);
    assert.deepEqual(
      (await events()).map((e) => e.type),
      ['open', 'open'],
    );
  });

  it('marks opens through mail-privacy proxies, never clicks', async () => {
    const agents = {
      'Mozilla/5.0': 'apple',
      'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)': 'google',
      'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html': 'yahoo',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)': undefined,
    };
    for (const agent of Object.keys(agents))
      await get(`/o/${signToken(key, claims())}`, { headers: { 'user-agent': agent } });
    await get(`/c/${signToken(key, claims({ kind: 'click', url: 'https://a.example/' }))}`, {
      headers: { 'user-agent': 'Mozilla/5.0' },
    });
    const recorded = await events();
    assert.deepEqual(
      recorded.map((e) => [e.type, e.extra?.privacy_proxy, e.prefetched]),
      [
        ...Object.values(agents).map((proxy) => ['open', proxy, proxy ? true : undefined]),
        ['click', undefined, undefined],
      ],
    );
  });

  it('serves pixels and redirects while the store is down, and stores the hits when it returns', async () => {
    sink.down = true;
    const pixel = await get(`/o/${signToken(key, claims())}`);
    const click = await get(`/c/${signToken(key, claims({ kind: 'click', url: 'https://a.example/x' }))}`);
    assert.equal(pixel.status, 200);
    assert.equal(click.status, 302);
    assert.equal(click.headers.get('location'), 'https://a.example/x');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sink.events.length, 0);
    assert.ok(recorder.stats.failedWrites > 0);
    assert.equal(recorder.stats.queued, 2);
    sink.down = false;
    assert.deepEqual(
      (await events()).map((e) => e.type),
      ['open', 'click'],
    );
  });

  it('keeps redirecting old links but stops counting them', async () => {
    const old = claims({ kind: 'click', url: 'https://a.example/old', issueDay: dayNumber(NOW) - 401 });
    const response = await get(`/c/${signToken(key, old)}`);
    assert.equal(response.status, 302);
    const recent = claims({ issueDay: dayNumber(NOW) - 399 });
    assert.equal((await get(`/o/${signToken(key, recent)}`)).status, 200);
    assert.deepEqual(
      (await events()).map((e) => e.type),
      ['open'],
    );
  });

  it('handles links up to the 4096-byte limit', async () => {
    const url = `https://a.example/${'p'.repeat(4096 - 'https://a.example/'.length)}`;
    const response = await get(`/c/${signToken(key, claims({ kind: 'click', url }))}`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), url);
  });

  it('turns every pixel and link of a rewritten message into events for its recipient', async () => {
    const html =
      '<html><body><a href="https://a.example/1">1</a><a href="https://a.example/2">2</a></body></html>';
    const message = `Content-Type: text/html\r\n\r\n${html}`;
    const tracked = track(message, { key, customerId: 77, baseUrl: base, now: NOW });
    for (const rcpt of ['one@example.org', 'two@example.org']) {
      const text = tracked.forRecipient(rcpt, MESSAGE_ID).toString('latin1').replace(/=\r\n/g, '');
      for (const [, path] of text.matchAll(/=3D"http:\/\/127\.0\.0\.1:\d+(\/[oc]\/[A-Za-z0-9_-]+)"/g)) {
        assert.ok([200, 302].includes((await get(path!)).status));
      }
    }
    const recorded = await events();
    assert.deepEqual(
      recorded.map((e) => `${e.rcpt_to} ${e.type} ${e.target_link_url ?? ''}`),
      ['one', 'two'].flatMap((who) => [
        `${who}@example.org initial_open `,
        `${who}@example.org click https://a.example/1`,
        `${who}@example.org click https://a.example/2`,
        `${who}@example.org open `,
      ]),
    );
  });
});
