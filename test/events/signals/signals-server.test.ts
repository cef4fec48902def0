// The connector uploading into Outpost's own Signals server (src/signals), over HTTP as it would
// upload to SparkPost: every event type arrives, mapped to SparkPost's public types, enriched, and
// a file sent twice (a crash between the 2xx and the delete) is stored once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { EventBus } from '../../../src/events/index.js';
import { SignalsConnector } from '../../../src/events/signals/index.js';
import { TRUE } from '../../../src/signals/store/query.js';
import { tempDir } from '../../helpers/tmp.js';
import { getJson, INGEST_KEY, startSignals } from '../../signals/server.js';
import { signalsConfig } from './helpers/config.js';
import { ALL_TYPES, makeEvent } from './helpers/events.js';
import { captureLog } from './helpers/log.js';

async function connectorInto(t: TestContext, signals = '') {
  // Our own data directory, removed only after the server stopped: removed first, a failing test
  // would leave the ingest pipeline retrying writes into a missing directory, and the file would hang.
  const dataPath = mkdtempSync(join(tmpdir(), 'outpost-signals-server-'));
  const server = await startSignals(t, 'duckdb', { dataPath });
  t.after(() => rmSync(dataPath, { recursive: true, force: true }));
  const config = signalsConfig({ url: `${server.address.url}/api/v1/ingest/events`, signals });
  config.signals!['api-key'] = INGEST_KEY; // our own server's key, not a SparkPost one
  const bus = new EventBus();
  const log = captureLog();
  const dir = tempDir(t, 'outpost-signals-');
  const connector = new SignalsConnector(config, bus, log.log, {
    stagingDir: dir,
    uploadIntervalMs: 3_600_000,
  });
  await connector.start();
  t.after(() => connector.stop());
  return { server, bus, connector, dir, log };
}

/** One message's life: every event type Signals takes, a minute ago, one message id. */
function messageEvents() {
  const now = Date.now();
  const first = makeEvent('reception', { timeLogged: now - 60_000, timeQueued: now - 61_000 });
  return ALL_TYPES.map((type) =>
    makeEvent(type, { messageId: first.messageId, timeLogged: now - 60_000, timeQueued: now - 61_000 }),
  );
}

describe('signals connector into the Outpost Signals server', () => {
  it('every event type arrives, mapped to its public type, with pool, IP and campaign', async (t) => {
    const { server, bus, connector } = await connectorInto(t);
    for (const event of messageEvents()) bus.emit(event);
    const cycle = await connector.uploadNow();
    assert.deepEqual(cycle, { discovered: 1, transferred: 1, ok: true });
    await server.pipeline!.drain();

    const status = await getJson(server.address.url, '/api/v1/events/ingest');
    const [batch] = status.body.results as Array<Record<string, unknown>>;
    assert.equal(batch!.type, 'success');
    assert.equal(batch!.number_succeeded, 10);
    assert.equal(batch!.number_failed ?? 0, 0);

    const events = await server.store!.search({ where: TRUE, limit: 100 });
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    assert.deepEqual(Object.keys(byType).sort(), [
      'bounce',
      'click',
      'delay',
      'delivery',
      'initial_open',
      'injection',
      'open',
      'out_of_band',
      'policy_rejection',
      'spam_complaint',
    ]);
    const injection = byType.injection!;
    assert.equal(injection.rcpt_to, 'jane.doe@gmail.com');
    assert.equal(injection.ip_pool, 'default');
    assert.equal(injection.sending_ip, '192.0.2.10');
    assert.equal(injection.campaign_id, 'spring-sale');
    assert.equal(injection.sending_domain, 'example.com');
    assert.equal(byType.bounce!.bounce_class, 10);
    assert.equal(byType.click!.target_link_url, 'https://example.com/spring?utm=mail');
    // The server fills in an engagement event's message data from the injection, as SparkPost does.
    assert.equal(byType.click!.subject, 'Spring deals');
    assert.equal(byType.click!.ip_pool, 'default');
  });

  it('privacy-policy sha1: the server stores the hash and the domain, never the address', async (t) => {
    const { server, bus, connector } = await connectorInto(t, 'privacy-policy sha1');
    for (const event of messageEvents()) bus.emit(event);
    await connector.uploadNow();
    await server.pipeline!.drain();
    const events = await server.store!.search({ where: TRUE, limit: 100 });
    assert.equal(events.length, 10);
    for (const event of events) {
      assert.equal(event.rcpt_to ?? undefined, undefined);
      assert.match(String(event.rcpt_hash), /^[0-9a-f]{40}$/);
      assert.equal(event.recipient_domain, 'gmail.com');
    }
  });

  it('a file uploaded again after a crash between the 2xx and the delete is stored once', async (t) => {
    const { server, bus, connector, dir } = await connectorInto(t);
    for (const event of messageEvents()) bus.emit(event);
    connector.flush();
    const [open] = readdirSync(dir);
    const saved = readFileSync(join(dir, open!));
    await connector.uploadNow();
    assert.deepEqual(readdirSync(dir), []);
    // What a process killed after the 2xx but before the delete leaves behind: the same file.
    writeFileSync(join(dir, open!.replace(/\.tmp$/, '')), saved);
    const again = await connector.uploadNow();
    assert.deepEqual(again, { discovered: 1, transferred: 1, ok: true });
    await server.pipeline!.drain();
    const events = await server.store!.search({ where: TRUE, limit: 100 });
    assert.equal(events.length, 10, 'SparkPost-style de-duplication by batch and event_id');
  });
});
