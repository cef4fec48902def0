// Bad sink configuration: a clear error naming the file and the key, and nothing starts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SINK_CONFIG, loadSinkConfig, SinkConfigError } from '../../src/sink/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BAD: Array<[string, string, RegExp]> = [
  ['not json', '{ "rules": [ ', /bad\.json: not valid JSON/],
  ['no rules', '{ "rules": [] }', /bad\.json: rules: .*>=1|bad\.json: rules: /],
  [
    'unknown key',
    '{ "rules": [{ "domains": ["*"], "bounces": 0.1 }] }',
    /bad\.json: rules\.0: Unrecognized key: "bounces"/,
  ],
  ['rate over 1', '{ "rules": [{ "domains": ["*"], "defer": 1.5 }] }', /bad\.json: rules\.0\.defer: .*<=1/],
  ['negative rate', '{ "rules": [{ "domains": ["*"], "open": -0.1 }] }', /bad\.json: rules\.0\.open: /],
  [
    'reply code of another kind',
    '{ "rules": [{ "domains": ["*"], "replies": { "defer": "550 5.7.1 no" } }] }',
    /bad\.json: rules\.0\.replies\.defer: code must be 421 or 451/,
  ],
  [
    'malformed reply',
    '{ "rules": [{ "domains": ["*"], "replies": { "block": "go away" } }] }',
    /rules\.0\.replies\.block: must look like "550 5\.1\.1 text"/,
  ],
  [
    'delay range backwards',
    '{ "rules": [{ "domains": ["*"], "delay-ms": [500, 10] }] }',
    /rules\.0\.delay-ms: .*first number must not be larger/,
  ],
  [
    'bad report target',
    '{ "reports": { "smtp": "localhost" }, "rules": [{ "domains": ["*"] }] }',
    /reports\.smtp: must be HOST:PORT/,
  ],
];

describe('sink configuration', () => {
  for (const [name, text, message] of BAD) {
    it(`refuses ${name}`, (t) => {
      const file = join(tempDir(t), 'bad.json');
      writeFileSync(file, text);
      assert.throws(
        () => loadSinkConfig(file),
        (error: Error) => {
          assert.ok(error instanceof SinkConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('loads the built-in rules, and a missing file is an error', () => {
    const config = loadSinkConfig();
    assert.equal(config.rules.length, DEFAULT_SINK_CONFIG.rules.length);
    assert.throws(() => loadSinkConfig('/nonexistent/sink.json'), /\/nonexistent\/sink\.json: cannot read/);
  });

  it('outpost sink --check exits 1 with the message, and 0 on the printed defaults', (t) => {
    const dir = tempDir(t);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "rules": [{ "domains": ["*"], "defer": 2 }] }');
    const failed = runCli(['sink', '--check', '--config', bad]);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /bad\.json: rules\.0\.defer: /);
    const printed = runCli(['sink', '--print-defaults']);
    assert.equal(printed.status, 0);
    const good = join(dir, 'good.json');
    writeFileSync(good, printed.stdout);
    const checked = runCli(['sink', '--check', '--config', good, '--report-smtp', '127.0.0.1:2525']);
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stdout, /ok, 5 rules/);
    const badFlag = runCli(['sink', '--check', '--report-smtp', 'nowhere']);
    assert.equal(badFlag.status, 1);
    assert.match(badFlag.stderr, /command line: reports\.smtp: must be HOST:PORT/);
  });
});
