import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp.js';
import { setup, waitFor } from './helpers/setup.js';

const CHILD = fileURLToPath(new URL('./fixtures/stage-child.ts', import.meta.url));

/** Runs the staging child until it reports at least `atLeast` staged events, then kills it with SIGKILL. */
async function stageAndKill(t: TestContext, dir: string, total: string, atLeast: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, dir, 'http://127.0.0.1:9/api/v1/ingest/events', total],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let staged = 0;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    for (const match of text.matchAll(/staged (\d+)/g)) staged = Math.max(staged, Number(match[1]));
  });
  await waitFor(() => staged >= atLeast, `the child to stage ${atLeast} events`, 60_000);
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  return staged;
}

describe('signals staging survives kill -9', () => {
  it('a new connector uploads everything a killed one had staged, exactly once', async (t) => {
    const dir = tempDir(t, 'outpost-signals-crash-');
    const staged = await stageAndKill(t, dir, '3000', 3000);
    assert.equal(staged, 3000);
    assert.ok(
      readdirSync(dir).some((f) => f.endsWith('.json.tmp')),
      'the killed process left its file open',
    );

    const { receiver, connector, log } = await setup(t, { dir });
    assert.match(
      log.messages()[0]!,
      /^Signals: recovered \d+ staging file\(s\) left open by a previous run$/,
    );
    await connector.uploadNow();
    assert.deepEqual(receiver.problems, []);
    assert.equal(receiver.events.length, 3000);
    assert.deepEqual(receiver.duplicates(), []);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('killed while staging at full speed: every event it reported is sent, none twice, no broken line', async (t) => {
    const dir = tempDir(t, 'outpost-signals-crash-');
    const reported = await stageAndKill(t, dir, 'forever', 20_000);
    const { receiver, connector } = await setup(t, { dir });
    await connector.uploadNow();
    assert.deepEqual(receiver.problems, [], 'every line the receiver got is whole and valid');
    assert.deepEqual(receiver.duplicates(), []);
    const got = new Set(receiver.events.map((e) => Number(String(e.rcpt_to).slice(1, -12))));
    for (let i = 0; i < reported; i++) assert.ok(got.has(i), `event ${i} was reported staged but is missing`);
    assert.equal(got.size, receiver.events.length);
  });
});
