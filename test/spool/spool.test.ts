import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  Spool,
  type SpoolEnvelope,
  SpoolUnavailableError,
  UnknownMessageError,
} from '../../src/spool/index.js';
import { captureLogger } from '../helpers/log.js';
import { tempDir } from '../helpers/tmp.js';
import { body, envelope } from './helpers.js';

const open = (dir: string, options: { segmentSize?: number; recentBytes?: number | undefined } = {}) =>
  Spool.open(dir, { log: captureLogger().log, compactEvery: 0, ...options });

describe('spool: store, recover, outcomes', () => {
  it('recovers every stored message with its envelope and bytes after a reopen', async (t) => {
    const dir = tempDir(t);
    const { spool, recovered } = await open(dir);
    assert.deepEqual(recovered, []);
    const stored: SpoolEnvelope[] = [];
    for (let i = 0; i < 5; i++) {
      const e = envelope([`r${i}@example.com`, `s${i}@example.com`], { jobId: `job${i}` });
      stored.push(await spool.store(e, body(`message ${i}`)));
    }
    await spool.close();

    const again = await open(dir);
    t.after(() => again.spool.close());
    assert.deepEqual(
      again.recovered.map((e) => [e.id, e.jobId, e.size]),
      stored.map((e) => [e.id, e.jobId, body(`message ${stored.indexOf(e)}`).length]),
    );
    for (const [i, e] of stored.entries()) {
      assert.equal((await again.spool.readBody(e.id)).toString(), body(`message ${i}`).toString());
    }
  });

  it('shares fdatasyncs between concurrent stores (group commit)', async (t) => {
    const { spool } = await open(tempDir(t));
    t.after(() => spool.close());
    await Promise.all(Array.from({ length: 200 }, (_, i) => spool.store(envelope(), body(`m${i}`, 10_000))));
    const { messages, commits } = spool.stats();
    assert.equal(messages, 200);
    assert.ok(commits < 50, `200 concurrent stores took ${commits} commits`);
  });

  it('never returns a recipient marked final, and forgets a message once all are', async (t) => {
    const dir = tempDir(t);
    const { spool } = await open(dir);
    const a = await spool.store(envelope(['1@x', '2@x', '3@x']), body('a'));
    const b = await spool.store(envelope(['1@y']), body('b'));
    const c = await spool.store(envelope(['1@z', '2@z']), body('c'));
    await spool.markRecipients(a.id, [0, 2], 'delivered');
    await spool.markRecipients(b.id, [0], 'bounced');
    await spool.remove(c.id);
    await assert.rejects(spool.readBody(b.id), UnknownMessageError);
    await assert.rejects(spool.markRecipients(b.id, [0], 'done'), UnknownMessageError);
    await assert.rejects(spool.markRecipients(a.id, [3], 'done'), RangeError);
    await spool.remove(c.id); // already gone: no error
    await spool.close();

    const again = await open(dir);
    t.after(() => again.spool.close());
    assert.deepEqual(
      again.recovered.map((e) => [e.id, e.recipients.map((r) => r.state)]),
      [[a.id, ['delivered', 'pending', 'delivered']]],
    );
    await again.spool.markRecipients(a.id, [1], 'expired');
    assert.equal(again.spool.has(a.id), false);
  });

  it('reads a message just stored with its current states, from memory or from disk alike', async (t) => {
    for (const recentBytes of [undefined, 0]) {
      const label = recentBytes === 0 ? 'from disk' : 'from memory';
      const { spool } = await open(tempDir(t), { recentBytes });
      t.after(() => spool.close());
      const a = await spool.store(envelope(['1@x', '2@x'], { jobId: 'j' }), body('a'));
      await spool.markRecipients(a.id, [0], 'delivered');
      const first = await spool.read(a.id);
      assert.deepEqual(
        first.envelope.recipients.map((r) => r.state),
        ['delivered', 'pending'],
        label,
      );
      first.envelope.recipients[1]!.state = 'bounced'; // the caller's copy, not the spool's
      const second = await spool.read(a.id);
      assert.equal(second.envelope.recipients[1]!.state, 'pending', label);
      assert.equal(second.envelope.jobId, 'j', label);
      assert.equal(second.body.toString(), body('a').toString(), label);
      await spool.markRecipients(a.id, [1], 'bounced');
      await assert.rejects(spool.read(a.id), UnknownMessageError, label);
    }
  });

  it('deletes segments whose messages are all finished', async (t) => {
    const dir = tempDir(t);
    const { spool } = await open(dir, { segmentSize: 4096 });
    t.after(() => spool.close());
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await spool.store(envelope(), body(`m${i}`, 2000))).id);
    assert.ok(spool.stats().segments > 5);
    for (const id of ids) await spool.markRecipients(id, [0], 'delivered');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(readdirSync(join(dir, 'segments')).length <= 2, true);
  });

  it('copies live messages out of mostly-dead segments, keeping their outcomes', async (t) => {
    const dir = tempDir(t);
    const { spool } = await open(dir, { segmentSize: 4096 });
    const kept = await spool.store(envelope(['k1@x', 'k2@x']), body('kept', 1000));
    const others = [];
    for (let i = 0; i < 6; i++) others.push(await spool.store(envelope(), body(`o${i}`, 1000)));
    await spool.markRecipients(kept.id, [0], 'delivered');
    for (const o of others.slice(0, 5)) await spool.remove(o.id);
    const before = spool.stats().bytes;
    await spool.compact({ minAge: 0, maxLive: 0.5 });
    await spool.markRecipients(kept.id, [1], 'delivered');
    await spool.close();

    const again = await open(dir);
    t.after(() => again.spool.close());
    assert.deepEqual(
      again.recovered.map((e) => e.id),
      [others[5]!.id],
      'kept is finished (one outcome before the copy, one after), the last other is pending',
    );
    assert.ok(again.spool.stats().bytes < before, 'space was reclaimed');
  });

  it('refuses writes after close', async (t) => {
    const { spool } = await open(tempDir(t));
    await spool.close();
    await assert.rejects(spool.store(envelope(), body('late')), SpoolUnavailableError);
  });
});
