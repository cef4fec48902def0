// What a user deploys from packaging/: the systemd units pass `systemd-analyze verify` without a
// warning, the Signals-host example configurations load without errors, and `outpost init` with
// the systemd paths writes a configuration that keeps its state where the unit allows writing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../mgmt/helpers.js';

const exec = promisify(execFile);
const PACKAGING = fileURLToPath(new URL('../../packaging/', import.meta.url));

describe('packaging', () => {
  for (const unit of ['outpost.service', 'outpost-signals.service']) {
    it(`${unit} passes systemd-analyze verify`, async (t) => {
      // verify insists the executables exist: point them at one that does
      const copy = join(tempDir(t), unit);
      writeFileSync(
        copy,
        readFileSync(join(PACKAGING, 'systemd', unit), 'utf8').replaceAll(
          '/usr/local/bin/outpost',
          '/bin/true',
        ),
      );
      const { stderr } = await exec('systemd-analyze', ['verify', copy]);
      assert.equal(stderr, '');
    });
  }

  for (const file of ['signals.config', 'mta-signals.config']) {
    it(`signals-host/${file} loads without errors`, async () => {
      const check = await runCli(['config', 'check', join(PACKAGING, 'signals-host', file)]);
      assert.equal(check.code, 0, check.stdout);
      assert.match(check.stdout, /: 0 errors, /);
    });
  }

  it('init with the systemd paths writes state outside the configuration directory', async (t) => {
    const dir = join(tempDir(t), 'etc-outpost');
    const init = await runCli([
      'init',
      dir,
      '--domain',
      'example.com',
      '--ip',
      '192.0.2.1',
      '--data-dir',
      '/var/lib/outpost',
      '--log-dir',
      '/var/log/outpost',
    ]);
    assert.equal(init.code, 0, init.stderr);
    const text = readFileSync(join(dir, 'outpost.config'), 'utf8');
    assert.match(text, /^ {4}data-dir \/var\/lib\/outpost$/m);
    assert.match(text, /^log-file \/var\/log\/outpost\/outpost\.log$/m);
    assert.match(text, /^<acct-file \/var\/log\/outpost\/acct\.csv>$/m);
  });
});
