// The tracking endpoint inside the real Signals server: hits become stored events enriched from the
// message's injection; a ClickHouse outage (a real server behind a TCP proxy that is cut) delays
// them without losing any; hits left in the journal by a crash are stored once at the next start.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { IngestJournal } from '../../src/signals/ingest/journal.js';
import type { SignalsServer } from '../../src/signals/service.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { prepareTracking } from '../../src/tracking/rewrite.js';
import { dayNumber, signToken, TrackingKey } from '../../src/tracking/token.js';
import { type ClickHouseServer, startClickHouse } from '../helpers/clickhouse.js';
import { tempDir } from '../helpers/tmp.js';
import { gzipLines, ingestLine } from '../signals/fixtures.js';
import { INGEST_KEY, startSignals, upload } from '../signals/server.js';

const MESSAGE_ID = '000012345678abcdef01';
const key = new TrackingKey(INGEST_KEY);
const HTML = '<html><body><p>Hi <a href="https://shop.example.com/deal?id=7">deal</a></p></body></html>';
const MESSAGE = Buffer.from(`Subject: Spring deals\r\nContent-Type: text/html\r\n\r\n${HTML}\r\n`);

async function inject(server: SignalsServer): Promise<void> {
  const line = ingestLine({
    type: 'reception',
    message_id: MESSAGE_ID,
    rcpt_to: 'reader@corp.example',
    timestamp: String(Math.floor(Date.now() / 1000) - 60),
    campaign_id: 'spring-sale',
    binding_group: 'hot-pool',
    sending_ip: '203.0.113.9',
    subject: 'Spring deals',
    friendly_from: 'news@shop.example.com',
    recv_method: 'esmtp',
  });
  assert.equal((await upload(server.address.url, gzipLines([line]))).status, 200);
  await server.pipeline!.drain();
}

/** Fetches every pixel and link in the recipient's copy, as a mail client and a reader would. */
async function open(
  server: SignalsServer,
  rcpt: string,
  userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Thunderbird/128.0',
) {
  const tracked = prepareTracking(MESSAGE, { key, customerId: 42, baseUrl: server.address.url });
  const text = tracked.forRecipient(rcpt, MESSAGE_ID).toString('latin1').replace(/=\r\n/g, '');
  const statuses: number[] = [];
  for (const [, url] of text.matchAll(/=3D"(http:\/\/127\.0\.0\.1:\d+\/[oc]\/[A-Za-z0-9_-]+)"/g)) {
    const response = await fetch(url!, { redirect: 'manual', headers: { 'user-agent': userAgent } });
    statuses.push(response.status);
  }
  return statuses;
}

async function tracked(server: SignalsServer): Promise<StoredEvent[]> {
  const events = await server.store!.search({
    where: { column: 'type', in: ['initial_open', 'open', 'click'] },
    limit: 100,
  });
  return events.sort((a, b) => Number(BigInt(a.event_id) - BigInt(b.event_id)));
}

describe('tracking endpoint in the Signals server', () => {
  it('stores opens and clicks enriched from the injection, proxies marked', async (t) => {
    const server = await startSignals(t, 'duckdb');
    await inject(server);
    assert.deepEqual(await open(server, 'Reader@corp.example'), [200, 302, 200]);
    assert.deepEqual(await open(server, 'reader@corp.example', 'Mozilla/5.0'), [200, 302, 200]);
    await server.tracking!.flush();
    const events = await tracked(server);
    assert.deepEqual(
      events.map((e) => [e.type, e.prefetched ?? false]),
      [
        ['initial_open', false],
        ['click', false],
        ['open', false],
        ['initial_open', true],
        ['click', false],
        ['open', true],
      ],
    );
    for (const event of events) {
      assert.equal(event.rcpt_to, 'reader@corp.example');
      assert.equal(event.message_id, MESSAGE_ID);
      assert.equal(event.customer_id, 42);
      assert.equal(event.campaign_id, 'spring-sale', 'campaign from the injection');
      assert.equal(event.ip_pool, 'hot-pool');
      assert.equal(event.sending_ip, '203.0.113.9');
      assert.equal(event.subject, 'Spring deals');
      assert.equal(event.mailbox_provider, 'Google Apps', 'provider from the MX table');
      assert.equal(event.ip_address, '127.0.0.1');
    }
    assert.equal(events[1]!.target_link_url, 'https://shop.example.com/deal?id=7');
    assert.equal(events[1]!.target_link_name, 'Raw URL');
    assert.equal(events[0]!.raw_rcpt_to, 'Reader@corp.example');
    assert.deepEqual(events[3]!.extra, { privacy_proxy: 'apple' });
  });

  it('answers 404 to forged tokens on the server, storing nothing', async (t) => {
    const server = await startSignals(t, 'duckdb');
    const claims = {
      kind: 'click',
      customerId: 42,
      messageId: MESSAGE_ID,
      rcpt: 'x@y.z',
      issueDay: dayNumber(Date.now()),
    } as const;
    const foreign = signToken(new TrackingKey('not-a-key-of-this-server-0001'), {
      ...claims,
      url: 'https://evil.example/',
    });
    const otherCustomer = signToken(key, { ...claims, customerId: 43, url: 'https://evil.example/' });
    for (const token of [
      foreign,
      otherCustomer,
      `${signToken(key, { ...claims, url: 'https://a.example/' })}x`,
    ]) {
      const response = await fetch(`${server.address.url}/c/${token}`, { redirect: 'manual' });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('location'), null);
    }
    await server.tracking!.flush();
    assert.deepEqual(await tracked(server), []);
  });

  it('stores hits a crash left in the journal, each once', async (t) => {
    const dataPath = tempDir(t, 'outpost-tracking-crash-');
    const first = await startSignals(t, 'duckdb', { dataPath });
    await open(first, 'reader@corp.example');
    await first.tracking!.flush();
    const stored = await tracked(first);
    await first.stop();
    // As if the process died between the store write and the journal clean-up, with one more
    // batch journaled but never stored.
    const journal = new IngestJournal(`${dataPath}/tracking-journal`);
    const fresh = { ...stored[0]!, event_id: '777', ts: Math.floor(Date.now() / 1000) };
    await journal.append(
      { received_at: Date.now(), customer_id: 42 },
      Buffer.from(`${JSON.stringify(stored[0])}\n`),
    );
    await journal.append(
      { received_at: Date.now(), customer_id: 42 },
      Buffer.from(`${JSON.stringify(fresh)}\n`),
    );
    const second = await startSignals(t, 'duckdb', { dataPath });
    await second.tracking!.flush();
    const after = await tracked(second);
    assert.deepEqual(after.map((e) => e.event_id).sort(), [...stored.map((e) => e.event_id), '777'].sort());
    assert.deepEqual(await journal.pending(), []);
  });
});

/** A TCP proxy in front of ClickHouse that can be cut and restored: a real outage, seen by the client. */
class Cable {
  private server: Server;
  private sockets = new Set<Socket>();
  up = true;
  port = 0;
  constructor(private readonly target: number) {
    this.server = createServer((client) => {
      if (!this.up) return client.destroy();
      const upstream = createConnection(this.target, client);
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      for (const s of [client, upstream]) {
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
    });
  }
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }
  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function createConnection(port: number, client: Socket): Socket {
  const upstream = connect(port, '127.0.0.1');
  upstream.on('error', () => client.destroy());
  return upstream;
}

describe('tracking endpoint while ClickHouse is down', () => {
  let clickhouse: ClickHouseServer;
  before(async () => {
    clickhouse = await startClickHouse();
  });
  after(() => clickhouse?.stop());

  it('serves pixels and redirects during the outage and stores the hits when it ends', async (t) => {
    const cable = new Cable(Number(new URL(clickhouse.url).port));
    await cable.listen();
    t.after(() => cable.close());
    const server = await startSignals(t, 'clickhouse', { clickhouseUrl: `http://127.0.0.1:${cable.port}` });
    await inject(server);
    cable.cut();
    assert.deepEqual(await open(server, 'reader@corp.example'), [200, 302, 200]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(server.tracking!.writer.backlog > 0, 'hits wait in the journal');
    cable.up = true;
    await server.tracking!.flush();
    const events = await tracked(server);
    assert.deepEqual(
      events.map((e) => e.type),
      ['initial_open', 'click', 'open'],
    );
    assert.ok(events.every((e) => e.campaign_id === 'spring-sale'));
  });
});
