// Scale-out on one machine, every tier its own process: one ClickHouse server; Signals servers A and
// B (`outpost signals`) in front of the same ClickHouse database; MTA nodes A and B (`outpost
// start`, own spool and staging), node A uploading to server A and node B to server B. Mail goes in
// over SMTP and out to a loopback receiver that delivers, defers and bounces. Either Signals server
// must then report the traffic of both nodes, exactly: what the MTAs accounted, once each. Then
// server A stops: node A keeps its staged files, and once A is back they arrive, nothing lost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startClickHouse } from '../helpers/clickhouse.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import type { ScriptedSmtpServer } from '../helpers/smtp-receiver.js';
import { waitFor } from '../helpers/wait.js';
import { gzipLines, ingestLine } from '../signals/fixtures.js';
import { CLUSTER_KEY, MtaNode, SignalsNode, signalsPorts } from './cluster.js';
import { allEvents, countByType, metrics, runWindow } from './reports.js';
import { expectedCounts, inject, type Mail, mailsFor, startProviderSink } from './traffic.js';

const PER_NODE = 60;

describe('scale-out: two MTA nodes, two Signals servers, one ClickHouse', { timeout: 180_000 }, () => {
  const startedAt = Date.now();
  const stops: Array<() => Promise<unknown>> = [];
  let signals: SignalsNode[] = [];
  let mtas: MtaNode[] = [];
  let sink: ScriptedSmtpServer;
  const sent: Mail[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-scale-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const clickhouse = await startClickHouse();
    stops.push(() => clickhouse.stop());
    const dns = await new TestDnsServer({}).start();
    stops.push(() => dns.stop());
    sink = await startProviderSink();
    stops.push(() => sink.stop());
    const ports = await signalsPorts(2);
    signals = ['a', 'b'].map(
      (name, i) =>
        new SignalsNode({
          name: `signals-${name}`,
          dir: join(dir, `signals-${name}`),
          port: ports[i]!,
          clickhouseUrl: clickhouse.url,
          database: 'scale',
          dnsPort: dns.port,
        }),
    );
    // Sequentially: the first creates the schema; the second finds it (both use IF NOT EXISTS).
    for (const node of signals) {
      await node.start();
      stops.push(() => node.stop());
    }
    mtas = ['a', 'b'].map(
      (name, i) =>
        new MtaNode({
          name: `mta-${name}`,
          dir: join(dir, `mta-${name}`),
          pool: `pool-${name}`,
          sourceIp: `127.0.0.${i + 2}`,
          sinkPort: sink.port,
          uploadUrl: `${signals[i]!.url}/api/v1/ingest/events`,
          dnsPort: dns.port,
        }),
    );
    await Promise.all(mtas.map((m) => m.start()));
    for (const m of mtas) stops.push(() => m.stop());
  });

  after(async () => {
    // MTAs first, then the Signals servers, then ClickHouse and the rest.
    for (const stop of stops.reverse()) await stop();
  });

  const window = () => runWindow(startedAt);
  const sentBy = (node: MtaNode) => sent.filter((m) => m.to.includes(`.${node.spec.name.slice(4)}.`));

  /** Waits until a node's accounting has an outcome for every message it was given. */
  async function settled(node: MtaNode, mails: readonly Mail[]): Promise<void> {
    const want = expectedCounts(mails);
    try {
      await waitFor(() => {
        const acct = node.accounting();
        return acct.r === want.injection && acct.d === want.delivery && acct.b === want.bounce;
      }, `${node.spec.name}: accounting for ${mails.length} messages`);
    } catch (error) {
      throw new Error(`${error}: want ${JSON.stringify(want)}, got ${JSON.stringify(node.accounting())}`);
    }
  }

  async function injectionsOn(server: SignalsNode): Promise<number> {
    return (await metrics(server.url, window())).all?.count_injected ?? 0;
  }

  /** What both Signals servers must report: the MTAs' accounting, summed. */
  function accounted(): Record<string, number> {
    const sum: Record<string, number> = { injection: 0, delivery: 0, bounce: 0, delay: 0 };
    for (const node of mtas) {
      const acct = node.accounting();
      sum.injection! += acct.r ?? 0;
      sum.delivery! += acct.d ?? 0;
      sum.bounce! += acct.b ?? 0;
      sum.delay! += acct.t ?? 0;
    }
    return sum;
  }

  async function assertReportsOn(server: SignalsNode, mails: readonly Mail[]): Promise<void> {
    const want = expectedCounts(mails);
    assert.deepEqual(accounted(), want, 'the MTAs accounted for every message as the receiver answered');

    const events = await allEvents(server.url, window());
    assert.deepEqual(countByType(events), want, `${server.spec.name}: events search by type`);
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, 'no event stored twice');
    const perMessage = new Map<string, string[]>();
    for (const e of events) perMessage.set(e.message_id, [...(perMessage.get(e.message_id) ?? []), e.type]);
    assert.equal(perMessage.size, mails.length, 'one message id per injected message');
    for (const [id, types] of perMessage) {
      assert.equal(types.filter((t) => t === 'injection').length, 1, `${id}: one injection`);
      assert.equal(types.filter((t) => t === 'delivery' || t === 'bounce').length, 1, `${id}: one outcome`);
    }
    const recipients = new Set(events.filter((e) => e.type === 'injection').map((e) => e.rcpt_to));
    assert.deepEqual([...recipients].sort(), mails.map((m) => m.to.toLowerCase()).sort());

    const all = (await metrics(server.url, window())).all!;
    assert.deepEqual(
      [all.count_injected, all.count_delivered, all.count_bounce, all.count_hard_bounce, all.count_delayed],
      [want.injection, want.delivery, want.bounce, want.bounce, want.delay],
      `${server.spec.name}: deliverability totals`,
    );
    const byCampaign = await metrics(server.url, window(), 'campaign');
    for (const job of new Set(mails.map((m) => m.job))) {
      const expected = expectedCounts(mails.filter((m) => m.job === job));
      const row = byCampaign[job];
      assert.deepEqual(
        [row?.count_injected, row?.count_delivered, row?.count_bounce],
        [expected.injection, expected.delivery, expected.bounce],
        `${server.spec.name}: campaign ${job}`,
      );
    }
    const byPool = await metrics(server.url, window(), 'ip-pool');
    const byIp = await metrics(server.url, window(), 'sending-ip');
    for (const [i, node] of mtas.entries()) {
      const expected = expectedCounts(sentBy(node));
      assert.equal(byPool[node.spec.pool]?.count_injected, expected.injection, `pool of ${node.spec.name}`);
      assert.equal(byPool[node.spec.pool]?.count_delivered, expected.delivery);
      assert.equal(byIp[`127.0.0.${i + 2}`]?.count_delivered, expected.delivery, `IP of ${node.spec.name}`);
    }
  }

  it('either Signals server reports both MTA nodes, exactly and once', async () => {
    const batch = mtas.map((m) => mailsFor(m.spec.name.slice(4), PER_NODE, 't1'));
    await Promise.all(mtas.map((m, i) => inject(m.smtpPort, batch[i]!)));
    sent.push(...batch.flat());
    await Promise.all(mtas.map((m, i) => settled(m, batch[i]!)));
    for (const server of signals) {
      await waitFor(
        async () => (await injectionsOn(server)) === sent.length,
        'all injections stored',
        30_000,
      );
    }
    // Outcomes can trail the injections by an upload interval.
    await waitFor(
      async () =>
        (await metrics(signals[0]!.url, window())).all?.count_delivered === expectedCounts(sent).delivery,
      'all deliveries stored',
    );
    for (const server of signals) await assertReportsOn(server, sent);
  });

  it('a Signals server that stops loses nothing: its MTA keeps the files and uploads them later', async () => {
    const [serverA, serverB] = signals as [SignalsNode, SignalsNode];
    const [nodeA, nodeB] = mtas as [MtaNode, MtaNode];
    await serverA.stop();
    const batch = mtas.map((m) => mailsFor(m.spec.name.slice(4), 20, 't2'));
    await Promise.all(mtas.map((m, i) => inject(m.smtpPort, batch[i]!)));
    await Promise.all(mtas.map((m, i) => settled(m, [...sentBy(m), ...batch[i]!])));
    // Node B's events reach server B; node A's wait on node A's disk.
    const withB = [...sent, ...batch[1]!];
    await waitFor(async () => (await injectionsOn(serverB)) === withB.length, 'node B events on server B');
    await waitFor(() => nodeB.stagedFiles().length === 0, 'node B staging empty');
    assert.ok(nodeA.stagedFiles().length > 0, 'node A keeps its staged files while server A is down');
    assert.equal(await injectionsOn(serverB), withB.length, 'none of node A’s new events arrived anywhere');

    await serverA.start();
    sent.push(...batch.flat());
    const want = expectedCounts(sent);
    await waitFor(
      async () => {
        const all = (await metrics(serverB.url, window())).all;
        return all?.count_injected === want.injection && all?.count_delivered === want.delivery;
      },
      'node A events after server A is back',
      45_000,
    );
    await waitFor(() => nodeA.stagedFiles().length === 0, 'node A staging empty');
    for (const server of signals) await assertReportsOn(server, sent);
  });

  it('a batch retried through a load balancer onto the other server is stored once', async () => {
    const [serverA, serverB] = signals as [SignalsNode, SignalsNode];
    const now = Math.floor(Date.now() / 1000);
    const body = gzipLines(
      Array.from({ length: 10 }, (_, i) =>
        ingestLine({ timestamp: String(now), campaign_id: 'lb-retry', event_id: `${now}0${i}` }),
      ),
    );
    const first = await postBatch(serverA, body);
    await waitFor(async () => (await batchStatus(serverA, first))?.type === 'success', 'batch stored by A');
    // The upload's response was lost; the balancer sends the retry to B.
    const retry = await postBatch(serverB, body);
    await waitFor(async () => (await batchStatus(serverB, retry)) !== undefined, 'retry processed by B');
    assert.equal((await batchStatus(serverB, retry))?.error_type, 'duplicate_batch');
    for (const server of signals) {
      const byCampaign = await metrics(server.url, window(), 'campaign');
      assert.equal(byCampaign['lb-retry']?.count_delivered, 10, `${server.spec.name}: stored once`);
    }
  });
});

async function postBatch(server: SignalsNode, body: Buffer): Promise<string> {
  const response = await server.upload(body);
  assert.equal(response.status, 200);
  return ((await response.json()) as { results: { id: string } }).results.id;
}

async function batchStatus(server: SignalsNode, id: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${server.url}/api/v1/events/ingest?batch_ids=${id}`, {
    headers: { authorization: CLUSTER_KEY },
  });
  const body = (await response.json()) as { results: Array<Record<string, unknown>> };
  return body.results[0];
}
