// `npm run demo` in small: Outpost with its default configuration, the sink and a few hundred
// messages; the demo itself checks every report's API (scripts/demo/reports.mjs) and exits 0 only
// when each has data, and it must leave no process behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

describe('npm run demo', () => {
  it('fills every report with a few hundred messages and stops cleanly', { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, [DEMO, '--messages', '300', '--check', '--timeout', '90'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /Dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard\//);
    for (const report of [
      'summary by campaign',
      'summary by ip-pool',
      'summary by mailbox-provider',
      'summary by subaccount',
      'health score',
      'engagement recency',
      'integration (uploads)',
      'events: out_of_band',
      'events: spam_complaint',
      'events: click',
    ]) {
      assert.match(out, new RegExp(`✓ ${report.replace(/[()]/g, '\\$&')}`), out);
    }
    assert.match(out, /stopped in/);
  });
});
