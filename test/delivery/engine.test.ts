// The delivery engine against real SMTP receivers on loopback: routing through VirtualMTAs and pools,
// per-recipient outcomes, retries and expiry on an injected clock, limits, pauses and deletes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseReport } from '../../src/bounce/parse.js';
import { loadConfigText } from '../../src/config/index.js';
import { createResolver, type Resolver } from '../../src/delivery/mx.js';
import { DeliveryService } from '../../src/delivery/service.js';
import { EventBus, type OutpostEvent } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging.js';
import type { DeliveryEnvelope } from '../../src/queue/message.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import { ManualClock, MemoryStore, makeEnvelope } from '../helpers/memory-store.js';
import { type Script, ScriptedSmtpServer } from '../helpers/smtp-receiver.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

interface Setup {
  service: DeliveryService;
  store: MemoryStore;
  events: OutpostEvent[];
  receiver: ScriptedSmtpServer;
  clock: ManualClock;
}

async function setup(
  t: TestContext,
  configText: (port: number) => string,
  script: Script = {},
  withDsn = false,
  resolver?: Resolver,
): Promise<Setup> {
  const receiver = await new ScriptedSmtpServer(script).start();
  t.after(() => receiver.stop());
  const dir = tempDir(t);
  const { config, diagnostics } = loadConfigText(
    `<outpost>\ndata-dir ${dir}\n</outpost>\n${configText(receiver.port)}`,
    join(dir, 'c.config'),
  );
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const bus = new EventBus((e) => {
    throw e;
  });
  const events: OutpostEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const store = new MemoryStore();
  const clock = new ManualClock();
  const service = new DeliveryService({
    config,
    bus,
    log: silentLogger(),
    store,
    clock,
    ...(resolver ? { resolver } : {}),
    ...(withDsn
      ? {
          spoolDsn: async (envelope: DeliveryEnvelope, body: Buffer) => {
            store.add(envelope, body);
            return true;
          },
        }
      : {}),
  });
  t.after(() => service.stop());
  return { service, store, events, receiver, clock };
}

const route = (port: number, extra = '') =>
  `<domain *>\nsmtp-hosts [127.0.0.1]:${port}\n${extra}\n</domain>\n`;
const VMTAS = `<virtual-mta v1>\nsmtp-source-host 127.0.0.2 v1.sender.test\n</virtual-mta>\n<virtual-mta v2>\nsmtp-source-host 127.0.0.3 v2.sender.test\n</virtual-mta>\n<virtual-mta-pool pool1>\nvirtual-mta v1\nvirtual-mta v2\n</virtual-mta-pool>\n`;

describe('delivery engine', () => {
  it('delivers through a VirtualMTA: its source address, EHLO name, queue domain/vmta, events and spool marks', async (t) => {
    const { service, store, events, receiver } = await setup(t, (p) => VMTAS + route(p));
    const env = store.add(
      makeEnvelope(['jane@example.test', 'joe@example.test'], { virtualMta: 'v1', jobId: 'spring' }),
    );
    service.enqueue(env);
    await waitFor(() => events.filter((e) => e.type === 'delivery').length === 2, 'two deliveries');
    assert.equal(receiver.messages.length, 1, 'one transaction for both recipients');
    assert.deepEqual(receiver.messages[0]!.to, ['jane@example.test', 'joe@example.test']);
    assert.equal(receiver.messages[0]!.helo, 'v1.sender.test');
    assert.equal(receiver.messages[0]!.remoteAddress, '127.0.0.2');
    const d = events.find((e) => e.type === 'delivery')!;
    assert.equal(d.queue, 'example.test/v1');
    assert.equal(d.vmta, 'v1');
    assert.equal(d.jobId, 'spring');
    assert.equal(d.dlvSourceIp, '127.0.0.2');
    assert.equal(d.dlvDestinationIp, '127.0.0.1');
    assert.equal(d.dsnStatus, '2.0.0 (success)');
    assert.match(d.dsnDiag!, /^smtp;250 2\.0\.0 queued/);
    assert.equal(d.attempts, 0);
    assert.deepEqual(store.states(), ['jane@example.test:delivered', 'joe@example.test:delivered']);
    assert.equal(service.manager.messages.size, 0, 'a finished message leaves memory');
  });

  it('splits a message into transactions of max-rcpt-per-transaction recipients', async (t) => {
    const { service, store, events, receiver } = await setup(t, (p) =>
      route(p, 'max-rcpt-per-transaction 2'),
    );
    service.enqueue(
      store.add(
        makeEnvelope([
          'a@example.test',
          'b@example.test',
          'c@example.test',
          'd@example.test',
          'e@example.test',
        ]),
      ),
    );
    await waitFor(() => events.length === 5, 'five deliveries');
    assert.deepEqual(
      receiver.messages.map((m) => m.to.length),
      [2, 2, 1],
    );
  });

  it('takes pool members in turn, one per message', async (t) => {
    const { service, store, events, receiver } = await setup(t, (p) => VMTAS + route(p));
    for (let i = 0; i < 4; i++)
      service.enqueue(store.add(makeEnvelope([`r${i}@example.test`], { virtualMta: 'pool1' })));
    await waitFor(() => events.length === 4, 'four deliveries');
    assert.deepEqual(receiver.messages.map((m) => m.remoteAddress).sort(), [
      '127.0.0.2',
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.3',
    ]);
    assert.ok(events.every((e) => e.vmtaPool === 'pool1'));
    assert.deepEqual(new Set(events.map((e) => e.queue)), new Set(['example.test/v1', 'example.test/v2']));
  });

  it('bounces only the refused recipients of a partial rejection, with category and SparkPost class', async (t) => {
    const { service, store, events } = await setup(t, (p) => route(p), {
      rcpt: (to) =>
        to.startsWith('ghost')
          ? `550 5.1.1 <${to}>: Recipient address rejected: User unknown`
          : '250 2.1.5 ok',
    });
    service.enqueue(store.add(makeEnvelope(['ok@example.test', 'ghost@example.test'])));
    await waitFor(() => events.length === 2, 'two outcomes');
    const bounce = events.find((e) => e.type === 'bounce')!;
    assert.equal(bounce.rcpt, 'ghost@example.test');
    assert.equal(bounce.bounceCat, 'bad-mailbox');
    assert.equal(bounce.bounceClass, 10);
    assert.equal(bounce.dsnStatus, '5.1.1 (bad destination mailbox address)');
    assert.equal(bounce.queue, 'example.test/{default}');
    assert.deepEqual(store.states(), ['ok@example.test:delivered', 'ghost@example.test:bounced']);
  });

  it('retries a 4xx recipient after retry-recipients-after and counts the attempt', async (t) => {
    let tries = 0;
    const { service, store, events, clock } = await setup(t, (p) => route(p, 'retry-recipients-after 5m'), {
      rcpt: () => (++tries === 1 ? '452 4.2.2 mailbox full' : '250 2.1.5 ok'),
    });
    service.enqueue(store.add(makeEnvelope(['busy@example.test'])));
    await waitFor(() => events.length === 1, 'a delay');
    assert.equal(events[0]!.type, 'transient');
    assert.equal(events[0]!.bounceCat, 'quota-issues');
    clock.advance(4 * 60_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events.length, 1, 'not before retry-recipients-after');
    clock.advance(2 * 60_000);
    await waitFor(() => events.length === 2, 'the retry');
    assert.equal(events[1]!.type, 'delivery');
    assert.equal(events[1]!.attempts, 1);
  });

  it('puts an unreachable queue in retry mode (retry-after list) and expires mail after bounce-after', async (t) => {
    const { service, store, events, clock } = await setup(
      t,
      () => '<domain *>\nsmtp-hosts [127.0.0.1]:1\nretry-after 10m,20m\nbounce-after 1h\n</domain>\n',
    );
    service.enqueue(store.add(makeEnvelope(['a@down.test'], {}, clock.now())));
    await waitFor(() => events.length === 1, 'a queue-level failure');
    assert.equal(events[0]!.type, 'transient-queue');
    const queue = service.manager.queues.get('down.test/{default}')!;
    assert.equal(queue.retryAt - clock.now(), 10 * 60_000);
    clock.advance(10 * 60_000);
    await waitFor(() => events.length === 2, 'the first retry');
    assert.equal(queue.retryAt - clock.now(), 20 * 60_000);
    clock.advance(20 * 60_000);
    await waitFor(() => events.length === 3, 'the second retry');
    clock.advance(40 * 60_000);
    await waitFor(() => events.some((e) => e.type === 'bounce'), 'the expiry bounce');
    const bounce = events.find((e) => e.type === 'bounce')!;
    assert.equal(bounce.bounceCat, 'message-expired');
    assert.equal(bounce.dsnStatus, '4.4.7 (delivery time expired)');
    assert.deepEqual(store.states(), ['a@down.test:expired']);
  });

  it('never opens more than max-smtp-out connections to a queue', async (t) => {
    const { service, store, events, receiver } = await setup(t, (p) => route(p, 'max-smtp-out 2'), {
      delay: 30,
    });
    let peak = 0;
    const queueKey = 'example.test/{default}';
    for (let i = 0; i < 12; i++) service.enqueue(store.add(makeEnvelope([`r${i}@example.test`])));
    await waitFor(() => {
      peak = Math.max(peak, service.manager.queues.get(queueKey)?.connections ?? 0);
      return events.length === 12;
    }, 'twelve deliveries');
    assert.equal(peak, 2);
    assert.ok(receiver.connections.length <= 3, `reused connections (${receiver.connections.length})`);
  });

  it('keeps an emptied connection open for connection-idle-timeout and sends later mail on it', async (t) => {
    const sendTwo = async (idle: string) => {
      const { service, store, events, receiver } = await setup(t, (p) => route(p, idle));
      service.enqueue(store.add(makeEnvelope(['first@example.test'])));
      await waitFor(() => events.length === 1, 'the first delivery');
      await new Promise((resolve) => setTimeout(resolve, 200));
      service.enqueue(store.add(makeEnvelope(['second@example.test'])));
      await waitFor(() => events.length === 2, 'the second delivery');
      assert.deepEqual(
        events.map((e) => e.type),
        ['delivery', 'delivery'],
      );
      return receiver.connections.length;
    };
    assert.equal(await sendTwo('connection-idle-timeout 5s'), 1, 'one connection, reused');
    assert.equal(await sendTwo(''), 2, 'without it the emptied connection closes (PowerMTA default 0)');
  });

  it('pauses and resumes a queue and a job; deletes by job with a record of it', async (t) => {
    const { service, store, events } = await setup(t, (p) => route(p));
    service.manager.pauseQueue('paused.test');
    service.manager.pauseJob('held');
    service.enqueue(store.add(makeEnvelope(['a@paused.test'])));
    service.enqueue(store.add(makeEnvelope(['b@other.test'], { jobId: 'held' })));
    service.enqueue(store.add(makeEnvelope(['c@other.test'], { jobId: 'doomed' })));
    service.manager.pauseJob('doomed');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      events.map((e) => e.rcpt),
      [],
    );
    await service.outcomes.deleted(
      () => service.manager.queueFor('other.test', '{default}'),
      service.manager.delete({ jobId: 'doomed' }),
    );
    service.manager.resumeQueue('paused.test');
    service.manager.resumeJob('held');
    await waitFor(() => events.length === 3, 'three outcomes');
    assert.deepEqual(events.map((e) => `${e.type}:${e.rcpt}`).sort(), [
      'bounce:c@other.test',
      'delivery:a@paused.test',
      'delivery:b@other.test',
    ]);
    assert.equal(events.find((e) => e.rcpt === 'c@other.test')!.dsnDiag, 'x-pmta;deleted by administrator');
  });

  it('bounces mail for a VirtualMTA that no longer exists with 5.3.5', async (t) => {
    const { service, store, events } = await setup(t, (p) => route(p));
    service.enqueue(store.add(makeEnvelope(['x@example.test'], { virtualMta: 'gone' })));
    await waitFor(() => events.length === 1, 'a bounce');
    assert.equal(events[0]!.type, 'bounce');
    assert.match(events[0]!.dsnStatus!, /^5\.3\.5 /);
    assert.equal(events[0]!.bounceCat, 'bad-configuration');
  });

  it('switches a queue to backoff mode on a matching reply and applies backoff-max-smtp-out', async (t) => {
    const { service, store, events } = await setup(
      t,
      (p) =>
        `<smtp-pattern-list slow>\nreply /throttled/ mode=backoff\n</smtp-pattern-list>\n${route(p, 'smtp-pattern-list slow\nbackoff-max-smtp-out 1')}`,
      { rcpt: () => '421 4.7.0 throttled, slow down' },
    );
    service.enqueue(store.add(makeEnvelope(['a@example.test'])));
    await waitFor(() => events.length === 1, 'a delay');
    const queue = service.manager.queues.get('example.test/{default}')!;
    assert.equal(queue.mode, 'backoff');
    assert.equal(queue.connectionLimit(), 1);
  });

  it('sends the originator a DSN for a permanent failure, never for the null sender or NOTIFY=NEVER', async (t) => {
    const { service, store, events, receiver } = await setup(
      t,
      (p) => `host-name mta.sender.test\n${route(p)}`,
      { rcpt: (to) => (to.startsWith('ghost') ? `550 5.1.1 <${to}> User unknown` : '250 2.1.5 ok') },
      true,
    );
    service.enqueue(store.add(makeEnvelope(['ghost1@example.test'])));
    service.enqueue(store.add(makeEnvelope(['ghost2@example.test'], { mailFrom: '' })));
    const quiet = makeEnvelope(['ghost3@example.test']);
    quiet.recipients[0]!.notify = ['NEVER'];
    service.enqueue(store.add(quiet));
    await waitFor(() => receiver.messages.length === 1, 'one DSN at the originator');
    const dsn = receiver.messages[0]!;
    assert.equal(dsn.from, '', 'DSNs go out from the null sender');
    assert.deepEqual(dsn.to, ['bounces@sender.test']);
    const report = await parseReport(dsn.data);
    assert.equal(report.kind, 'dsn');
    assert.equal(report.recipients[0]?.address, 'ghost1@example.test');
    assert.match(dsn.data.toString(), /^X-PowerMTA-BounceCategory: bad-mailbox\r$/m);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(receiver.messages.length, 1, 'no DSN for <> or NOTIFY=NEVER');
    assert.equal(events.filter((e) => e.type === 'bounce').length, 3);
  });

  it('rolls domains whose best MX hosts match an <mx-rollup-list> entry into one NAME.rollup queue', async (t) => {
    const dns = await new TestDnsServer({
      'one.test': {
        MX: [
          { priority: 5, exchange: 'aspmx.l.google.test' },
          { priority: 10, exchange: 'alt1.aspmx.l.google.test' },
        ],
      },
      'two.test': { MX: [{ priority: 1, exchange: 'aspmx.l.google.test' }] },
      'aspmx.l.google.test': { A: ['127.0.0.1'] },
      'alt1.aspmx.l.google.test': { A: ['127.0.0.1'] },
    }).start();
    t.after(() => dns.stop());
    const resolver = createResolver([{ host: '127.0.0.1', port: dns.port }]);
    const { service, store, events, receiver } = await setup(
      t,
      (p) =>
        `<mx-rollup-list>\nmx *.google.test gmail.rollup\n</mx-rollup-list>\n<domain *>\ndefault-smtp-port ${p}\n</domain>\n`,
      {},
      false,
      resolver,
    );
    service.enqueue(store.add(makeEnvelope(['a@one.test'])));
    await waitFor(() => events.length === 1, 'the first delivery');
    service.enqueue(store.add(makeEnvelope(['b@two.test', 'c@one.test'])));
    await waitFor(() => events.length === 3, 'three deliveries');
    assert.deepEqual(new Set(events.map((e) => e.queue)), new Set(['gmail.rollup/{default}']));
    // Once both domains are known to roll up, one message to both is one transaction.
    const before = receiver.messages.length;
    service.enqueue(store.add(makeEnvelope(['d@two.test', 'e@one.test'])));
    await waitFor(() => events.length === 5, 'two more deliveries');
    assert.equal(receiver.messages.length, before + 1);
    assert.deepEqual(receiver.messages.at(-1)!.to, ['d@two.test', 'e@one.test']);
  });

  it("sends a domain's mail through its queue-to target queue", async (t) => {
    const { service, store, events } = await setup(
      t,
      (p) =>
        `<domain a.test>\nqueue-to group.test\n</domain>\n<domain group.test>\nsmtp-hosts [127.0.0.1]:${p}\n</domain>\n`,
    );
    service.enqueue(store.add(makeEnvelope(['x@a.test'])));
    await waitFor(() => events.length === 1, 'a delivery');
    assert.equal(events[0]!.queue, 'group.test/{default}');
    assert.equal(events[0]!.type, 'delivery');
  });
});
