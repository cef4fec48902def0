// The operator's log: PowerMTA-style text lines (or JSON with `<outpost> log-format json`) in
// `log-file`, SIGHUP reloads (a broken file is refused and says why in the log), `outpost rotate
// log` keeps the old lines in FILE.1, and the process keeps serving throughout.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { textLine } from '../../src/logs/index.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from '../smtp/helpers.js';
import { runCli, startChild } from './helpers.js';

describe('log lines', () => {
  it('formats pino records as PowerMTA-style text lines', () => {
    const time = new Date(2024, 4, 3, 14, 2, 11).getTime();
    assert.equal(
      textLine(
        JSON.stringify({ level: 30, time, component: 'smtp', msg: 'smtp listener on 0.0.0.0:25', port: 25 }),
      ),
      '2024-05-03 14:02:11 smtp: smtp listener on 0.0.0.0:25 [port=25]\n',
    );
    assert.equal(
      textLine(
        JSON.stringify({
          level: 40,
          time,
          component: 'delivery',
          msg: 'slow',
          err: { message: 'boom', code: 'EX' },
        }),
      ),
      '2024-05-03 14:02:11 warning: delivery: slow [err="EX: boom"]\n',
    );
    assert.equal(
      textLine(JSON.stringify({ level: 50, time, msg: 'a b', note: 'two words' })),
      '2024-05-03 14:02:11 error: a b [note="two words"]\n',
    );
    assert.equal(textLine('not json'), 'not json\n');
  });
});

describe('log-file, SIGHUP and rotation', () => {
  it('writes the log, reloads on SIGHUP (refusing a broken file), rotates, and switches to JSON', async (t) => {
    const dir = tempDir(t);
    const configFile = join(dir, 'outpost.config');
    const logFile = join(dir, 'log', 'outpost.log');
    const config = (extra = '') =>
      `<outpost>\n  data-dir ${dir}/data\n  http-mgmt-listen 127.0.0.1:0\n${extra}</outpost>\n` +
      `host-name log.test\nsmtp-listener 127.0.0.1:0\nlog-file log/outpost.log\nlog-rotate 2\n` +
      'http-access 127.0.0.1 admin\n<source 127.0.0.1>\n  log-connections yes\n</source>\n';
    writeFileSync(configFile, config());
    const child = await startChild(configFile, logFile);
    t.after(() => child.child.kill('SIGKILL'));
    const log = () => readFileSync(logFile, 'utf8');
    const stamp = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}';
    assert.match(
      log(),
      new RegExp(`^${stamp} smtp: smtp listener on 127\\.0\\.0\\.1:${child.smtpPort} `, 'm'),
    );
    assert.match(log(), new RegExp(`^${stamp} mgmt: http management on http://127\\.0\\.0\\.1:\\d+ `, 'm'));

    const client = await RawClient.connect(child.smtpPort);
    await client.reply();
    await client.command('QUIT');
    await waitFor(() => /smtp: connection opened \[client=127\.0\.0\.1/.test(log()), 'the connection line');

    writeFileSync(configFile, `${config()}frobnicate yes\n`);
    child.child.kill('SIGHUP');
    await waitFor(() => /reload refused/.test(log()), 'the refusal in the log');
    assert.match(
      log(),
      new RegExp(
        `^${stamp} error: reload: ${configFile.replace(/[.]/g, '\\.')}:\\d+: error: unknown directive "frobnicate"$`,
        'm',
      ),
    );
    const status = await runCli(['show', 'status', '--config', configFile]);
    assert.equal(status.code, 0, status.stderr);

    writeFileSync(configFile, config());
    child.child.kill('SIGHUP');
    await waitFor(() => /configuration reloaded from/.test(log()), 'the reload in the log');

    const rotated = await runCli(['rotate', 'log', '--config', configFile]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.ok(existsSync(`${logFile}.1`));
    assert.match(readFileSync(`${logFile}.1`, 'utf8'), /configuration reloaded/);

    writeFileSync(configFile, config('  log-format json\n'));
    child.child.kill('SIGHUP');
    await waitFor(() => /"msg":"configuration reloaded from/.test(log()), 'a JSON line after the switch');
    const json = log()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(json.length > 0 && json.every((l) => typeof JSON.parse(l).msg === 'string'));
    child.child.kill('SIGTERM');
    assert.equal(await child.exited, 0);
    assert.match(log(), /"msg":"stopped"/);
  });
});
