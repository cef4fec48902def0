// The two real PowerMTA configs in ../shared/examples must behave like `pmta test config` says:
// as published they fail only on their placeholders, filled in they load cleanly.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, loadConfigText } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const EXAMPLES = fileURLToPath(new URL('../../../shared/examples/', import.meta.url));
const SEED = join(EXAMPLES, 'seed-signals-demo.config');
const TUCK = join(EXAMPLES, 'tuck1s-config.example');
const KEY = '0123456789abcdef0123456789abcdef01234567';

const errorsOf = (file: string) =>
  loadConfigFile(file)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.line}: ${d.message}`);

/** Line numbers of the directive lines whose value is only a `##…##` placeholder comment. */
function placeholderLines(text: string, name: string): number[] {
  return text.split('\n').flatMap((line, i) => (new RegExp(`^\\s*${name}\\s+##`).test(line) ? [i + 1] : []));
}

function fillPlaceholders(text: string): string {
  return text.replace(/^(\s*api-key)\s+##.*$/m, `$1 ${KEY}`).replace(/^(\s*password)\s+##.*$/m, '$1 s3cret');
}

describe('example PowerMTA configs', () => {
  for (const [name, file] of [
    ['seed-signals-demo.config', SEED],
    ['tuck1s-config.example', TUCK],
  ] as const) {
    it(`${name}: as published, exactly two "argument missing" errors at api-key and password`, () => {
      const text = readFileSync(file, 'utf8');
      const expected = [...placeholderLines(text, 'api-key'), ...placeholderLines(text, 'password')]
        .sort((a, b) => a - b)
        .map((line) => `${line}: argument missing`);
      assert.equal(expected.length, 2);
      assert.deepEqual(errorsOf(file), expected);
    });

    it(`${name}: loads without errors once the placeholders are filled in`, () => {
      const { config, diagnostics } = loadConfigText(fillPlaceholders(readFileSync(file, 'utf8')), file);
      assert.deepEqual(
        diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assert.equal(config.signals?.['api-key'], KEY);
      assert.equal(config.smtpUsers.get('SMTP_Injection')?.settings.password, 's3cret');
      assert.deepEqual(config.pools.get('default')?.settings['virtual-mta'], ['mta1']);
      assert.equal(config.virtualMtas.get('mta1')?.settings['smtp-source-host'][0]?.ip, '172.31.25.101');
    });
  }

  it('seed: the deployment reads as described (listeners, auth source, pool defaults, tracking)', () => {
    const { config } = loadConfigText(fillPlaceholders(readFileSync(SEED, 'utf8')), SEED);
    assert.deepEqual(
      config.listeners.map((l) => l.port),
      [587, 25],
    );
    assert.equal(config.sources.named.get('{auth}')?.settings['default-virtual-mta'], 'default');
    assert.deepEqual(config.pools.get('default')?.domains[0]?.settings['retry-after'], [600]);
    assert.equal(config.pools.get('default')?.domains[0]?.settings['bounce-after'], 4 * 86400 + 12 * 3600);
    assert.equal(config.signals?.['engagement-tracking'], true);
    assert.equal(config.signals?.['customer-id'], 123);
    assert.equal(config.global['smtp-server-tls-allow-tlsv1'], false);
    assert.deepEqual(config.bounceProcessor?.addresses.domains, [
      'pmta.signalsdemo.trymsys.net',
      'bounces.pmta.signalsdemo.trymsys.net',
    ]);
  });

  it('outpost config check prints FILE:LINE: error: lines and a summary, exit 1', () => {
    const { status, stdout } = runCli(['config', 'check', SEED]);
    assert.equal(status, 1);
    const errors = stdout.split('\n').filter((l) => l.includes(': error: '));
    assert.deepEqual(errors, [`${SEED}:12: error: argument missing`, `${SEED}:69: error: argument missing`]);
    assert.match(stdout, /: 2 errors, \d+ warnings?\n$/);
  });

  it('outpost config check exits 0 on a valid file', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'filled.config');
    writeFileSync(file, fillPlaceholders(readFileSync(SEED, 'utf8')));
    const { status, stdout } = runCli(['config', 'check', file]);
    assert.equal(status, 0, stdout);
    assert.match(stdout, /: 0 errors, \d+ warnings?\n$/);
  });

  it('outpost config check reports a file that cannot be read', () => {
    const { status, stdout } = runCli(['config', 'check', '/nonexistent/outpost.config']);
    assert.equal(status, 1);
    assert.match(stdout, /^\/nonexistent\/outpost\.config:0: error: cannot read file: ENOENT/);
  });
});
