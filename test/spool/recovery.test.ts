import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Spool, SpoolError, SpoolLockedError } from '../../src/spool/index.js';
import { captureLogger } from '../helpers/log.js';
import { tempDir } from '../helpers/tmp.js';
import { body, envelope } from './helpers.js';

const segmentsOf = (dir: string) => readdirSync(join(dir, 'segments')).sort();

async function spoolWith(dir: string, count: number, options: { segmentSize?: number } = {}) {
  const { spool } = await Spool.open(dir, { log: captureLogger().log, compactEvery: 0, ...options });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await spool.store(envelope(), body(`message ${i}`, 500))).id);
  return { spool, ids };
}

async function reopen(t: import('node:test').TestContext, dir: string) {
  const captured = captureLogger();
  const opened = await Spool.open(dir, { log: captured.log, compactEvery: 0 });
  t.after(() => opened.spool.close());
  return { ...opened, warnings: captured.warnings() };
}

describe('spool recovery from damage', () => {
  it('sets aside a segment with a damaged record and keeps every readable message', async (t) => {
    const dir = tempDir(t);
    const { spool, ids } = await spoolWith(dir, 3);
    await spool.close();
    const file = join(dir, 'segments', segmentsOf(dir)[0]!);
    const bytes = readFileSync(file);
    const second = bytes.indexOf('message 1\r\n');
    bytes[second + 3]! ^= 0xff;
    writeFileSync(file, bytes);

    const { spool: again, recovered, warnings } = await reopen(t, dir);
    assert.deepEqual(
      recovered.map((e) => e.id),
      [ids[0], ids[2]],
    );
    assert.match(warnings.join('\n'), /damaged bytes at offset/);
    assert.match(warnings.join('\n'), /set aside/);
    assert.equal(readdirSync(join(dir, 'corrupt')).length, 1);
    assert.match((await again.readBody(ids[2]!)).toString(), /message 2/);
    await again.close();
    const third = await reopen(t, dir);
    assert.deepEqual(
      third.recovered.map((e) => e.id),
      [ids[0], ids[2]],
      'the copies are durable',
    );
    assert.deepEqual(third.warnings, []);
  });

  it('treats a record cut short at the end of a file as an interrupted write', async (t) => {
    const dir = tempDir(t);
    const { spool, ids } = await spoolWith(dir, 3);
    await spool.close();
    const file = join(dir, 'segments', segmentsOf(dir)[0]!);
    truncateSync(file, readFileSync(file).length - 100);
    const { recovered, warnings } = await reopen(t, dir);
    assert.deepEqual(
      recovered.map((e) => e.id),
      ids.slice(0, 2),
    );
    assert.match(warnings.join('\n'), /incomplete record \(a write cut short\)/);
  });

  it('survives a damaged outcome file; an outcome it lost makes its recipient pending again', async (t) => {
    const dir = tempDir(t);
    const { spool, ids } = await spoolWith(dir, 3);
    await spool.markRecipients(ids[0]!, [0], 'delivered');
    await spool.markRecipients(ids[1]!, [0], 'delivered');
    await spool.close();
    const done = join(dir, 'segments', segmentsOf(dir).find((f) => f.endsWith('.done'))!);
    const bytes = readFileSync(done);
    bytes[bytes.indexOf(ids[0]!)]! ^= 0x01;
    writeFileSync(done, bytes);
    const { recovered, warnings } = await reopen(t, dir);
    assert.deepEqual(
      recovered.map((e) => e.id),
      [ids[0], ids[2]],
    );
    assert.match(warnings.join('\n'), /damaged bytes/);
  });

  it('removes empty segments, ignores foreign files, and refuses another format', async (t) => {
    const dir = tempDir(t);
    const { spool } = await spoolWith(dir, 1);
    await spool.close();
    writeFileSync(join(dir, 'segments', '0000000099.msgs'), '');
    writeFileSync(join(dir, 'segments', 'notes.txt'), 'hello');
    const { recovered, warnings, spool: again } = await reopen(t, dir);
    assert.equal(recovered.length, 1);
    assert.match(warnings.join('\n'), /not a spool segment/);
    assert.ok(!segmentsOf(dir).includes('0000000099.msgs'));
    await again.close();
    writeFileSync(join(dir, 'FORMAT'), 'outpost-spool 99\n');
    await assert.rejects(Spool.open(dir, { log: captureLogger().log }), SpoolError);
  });

  it('reads an interrupted copy once, keeping the outcomes of both copies', async (t) => {
    const dir = tempDir(t);
    const { spool } = await Spool.open(dir, { log: captureLogger().log, compactEvery: 0, segmentSize: 2048 });
    const a = await spool.store(envelope(['1@x', '2@x', '3@x']), body('a', 1000));
    await spool.markRecipients(a.id, [0], 'delivered');
    const b = await spool.store(envelope(), body('b', 1500));
    await spool.store(envelope(), body('c', 100)); // rotates: a and b's segment is no longer the head
    const first = segmentsOf(dir).slice(0, 2);
    for (const f of first) copyFileSync(join(dir, 'segments', f), join(dir, f));
    await spool.remove(b.id);
    await spool.compact({ minAge: 0, maxLive: 0.6 });
    assert.ok(!segmentsOf(dir).includes(first[0]!), 'the old segment went after the copy');
    await spool.markRecipients(a.id, [1], 'bounced');
    await spool.close();
    for (const f of first) copyFileSync(join(dir, f), join(dir, 'segments', f)); // as if the crash came first
    const { recovered } = await reopen(t, dir);
    const again = recovered.filter((e) => e.id === a.id);
    assert.equal(again.length, 1);
    assert.deepEqual(
      again[0]!.recipients.map((r) => r.state),
      ['delivered', 'bounced', 'pending'],
    );
  });
});

describe('spool lock', () => {
  it('lets one process open a spool; the lock goes with the process, even after kill -9', async (t) => {
    const dir = tempDir(t);
    const { spool } = await Spool.open(dir, { log: captureLogger().log, compactEvery: 0 });
    await assert.rejects(Spool.open(dir, { log: captureLogger().log }), SpoolLockedError);
    await spool.close();

    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url)), dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => holder.kill('SIGKILL'));
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    await assert.rejects(Spool.open(dir, { log: captureLogger().log }), (error: Error) => {
      assert.ok(error instanceof SpoolLockedError);
      assert.match(error.message, new RegExp(`pid ${holder.pid}`));
      return true;
    });
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const { spool: mine } = await Spool.open(dir, { log: captureLogger().log, compactEvery: 0 });
    await mine.close();
  });
});
