import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../../src/config/index.js';
import { SignalsConnector, SignalsError } from '../../../src/events/signals/index.js';
import { silentLogger } from '../../../src/logging.js';
import { startOutpost } from '../../../src/main.js';
import { tempDir, writeFiles } from '../../helpers/tmp.js';
import { API_KEY } from './helpers/config.js';
import { makeEvent } from './helpers/events.js';
import { IngestReceiver } from './helpers/receiver.js';

const FULL = `
smtp-listener 127.0.0.1:0
<outpost>
  data-dir data
  signals-upload-interval 1
</outpost>
<signals>
  api-key ${API_KEY}
  upload-url URL
  log-verbose true
  min-free-space 1M
  privacy-policy sha1
  process-x-sp-subaccount-id true
  custom-message-id-header X-Sp-Message-Id
</signals>
<signals-filter ListOne>
  sender-or-from *.example.com enable-signals,subaccount=5
</signals-filter>
enable-signals ListOne
<virtual-mta mta1>
  enable-signals true
</virtual-mta>
<virtual-mta-pool default>
  virtual-mta mta1
  enable-signals false
</virtual-mta-pool>
`;

const unsupported = (text: string) =>
  loadConfigText(text, 'c')
    .diagnostics.filter((d) => /not supported by Outpost yet/.test(d.message))
    .map((d) => d.message.split(' ')[0]);

describe('signals connector as a service', () => {
  it('acts on the Signals directives it implements (no "not supported yet" warning for them)', () => {
    const mine = [
      'api-key',
      'upload-url',
      'log-verbose',
      'min-free-space',
      'privacy-policy',
      'process-x-sp-subaccount-id',
      'custom-message-id-header',
      'sender-or-from',
      'enable-signals',
      'signals-upload-interval',
    ];
    for (const name of mine) assert.match(FULL, new RegExp(`^\\s*${name} `, 'm'), `the config uses ${name}`);
    const warned = unsupported(FULL.replace('URL', 'https://api.sparkpost.com/api/v1/ingest/events'));
    assert.deepEqual(
      warned.filter((name) => mine.includes(name!)),
      [],
    );
  });

  it('rejects what cannot work at config check: a non-SparkPost key for SparkPost, a bad URL or pattern', () => {
    const errors = (text: string) =>
      loadConfigText(text, 'c')
        .diagnostics.filter((d) => d.severity === 'error')
        .map((d) => d.message);
    assert.deepEqual(errors('<signals>\napi-key not-a-sparkpost-key\n</signals>'), [
      'api-key must be a SparkPost API key (40 hexadecimal digits) when uploading to SparkPost',
    ]);
    assert.deepEqual(
      errors(
        '<signals>\napi-key local-key-0001\nupload-url http://127.0.0.1:8090/api/v1/ingest/events\n</signals>',
      ),
      [],
    );
    assert.deepEqual(errors(`<signals>\napi-key ${API_KEY}\nupload-url ftp://x/y\n</signals>`), [
      '<signals> upload-url "ftp://x/y" is not an http(s) URL',
    ]);
    assert.deepEqual(
      errors('<signals-filter F>\nsender-or-from bad@pattern enable-signals\n</signals-filter>'),
      ['invalid domain pattern "bad@pattern"'],
    );
    assert.throws(
      () => new SignalsConnector(loadConfigText('host-name x').config, undefined as never, silentLogger()),
      (e: unknown) => e instanceof SignalsError && e.code === 'SIGNALS_CONFIG',
    );
  });

  it('startOutpost runs it when the config has <signals>, staging under DATA-DIR/signals', async (t) => {
    const receiver = await IngestReceiver.start(API_KEY);
    t.after(() => receiver.close());
    const dir = tempDir(t);
    writeFiles(dir, { 'outpost.config': FULL.replace('URL', receiver.url) });
    const { config } = loadConfigText(FULL.replace('URL', receiver.url), join(dir, 'outpost.config'));
    const runtime = await startOutpost(config, { log: silentLogger() });
    t.after(() => runtime.stop());
    assert.ok(runtime.services.some((s) => s.name === 'signals-connector'));
    assert.ok(existsSync(join(dir, 'data', 'signals')));
    // mta1 says true and beats its pool's false; the global filter is not consulted for it.
    runtime.bus.emit(makeEvent('delivery', { vmta: 'mta1', vmtaPool: 'default', timeLogged: Date.now() }));
    runtime.bus.emit(makeEvent('delivery', { vmta: 'other', vmtaPool: 'default', timeLogged: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // signals-upload-interval 1
    await runtime.stop();
    assert.deepEqual(receiver.problems, []);
    assert.equal(receiver.events.length, 1);
    assert.equal(receiver.events[0]!.rcpt_hash !== undefined, true, 'privacy-policy sha1 applied');
    assert.equal(receiver.events[0]!.subaccount_id, 0);
  });
});
