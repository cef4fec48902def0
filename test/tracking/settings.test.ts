import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/index.js';
import { TrackingConfigError, trackingBaseUrl, trackingSettings } from '../../src/tracking/settings.js';

const KEY = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';

function load(text: string) {
  const { config, diagnostics } = loadConfigText(text, 'c');
  const problems = diagnostics
    .filter((d) => !/not supported by Outpost yet/.test(d.message))
    .map((d) => `${d.line}: ${d.severity}: ${d.message}`);
  return { config, problems };
}

const signals = (lines: string) =>
  `<signals>\n  api-key ${KEY}\n  upload-url http://127.0.0.1:8090/api/v1/ingest/events\n${lines}</signals>\n`;
const server = (lines = '') => `<signals-server>\n  api-key ${KEY} all\n${lines}</signals-server>\n`;

describe('tracking settings', () => {
  it('normalises tracking domains to base URLs', () => {
    assert.equal(trackingBaseUrl('track.example.com'), 'http://track.example.com');
    assert.equal(trackingBaseUrl('Track.Example.com:8080'), 'http://track.example.com:8080');
    assert.equal(trackingBaseUrl('https://t.example.com/'), 'https://t.example.com');
    assert.equal(trackingBaseUrl('https://example.com/track/'), 'https://example.com/track');
    assert.equal(trackingBaseUrl('http://[::1]:9000'), 'http://[::1]:9000');
    for (const bad of [
      'ftp://x.com',
      'https://u:p@x.com',
      'x.com/?q=1',
      'x.com/#f',
      'http://',
      'x .com',
      'x.com/a&b',
    ]) {
      assert.throws(() => trackingBaseUrl(bad), TrackingConfigError, bad);
    }
  });

  it('is off unless engagement-tracking says sparkpost or true', () => {
    assert.equal(trackingSettings(load(signals('')).config), undefined);
    assert.equal(trackingSettings(load(signals('  engagement-tracking false\n')).config), undefined);
    assert.equal(trackingSettings(load('').config), undefined);
  });

  it('uses tracking-domain and customer-id from <signals>', () => {
    const { config, problems } = load(
      signals(
        '  engagement-tracking sparkpost\n  customer-id 123\n  tracking-domain https://click.example.com\n',
      ),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(trackingSettings(config), {
      apiKey: KEY,
      customerId: 123,
      baseUrl: 'https://click.example.com',
    });
  });

  it('defaults to the Signals server: public-url, else its listen address, and its customer id', () => {
    const withUrl = load(
      signals('  engagement-tracking true\n') + server('  public-url https://signals.example.com\n'),
    );
    assert.deepEqual(withUrl.problems, []);
    assert.deepEqual(trackingSettings(withUrl.config), {
      apiKey: KEY,
      customerId: 1,
      baseUrl: 'https://signals.example.com',
    });
    const listen = load(
      signals('  engagement-tracking true\n') + server('  listen 127.0.0.1:9911\n  customer-id 5\n'),
    );
    assert.equal(trackingSettings(listen.config)?.baseUrl, 'http://127.0.0.1:9911');
    assert.equal(trackingSettings(listen.config)?.customerId, 5);
  });

  it('reports what is missing or inconsistent at config check', () => {
    // A PowerMTA config that counts on SparkPost's tracker loads, with a warning.
    const noServer = load(signals('  engagement-tracking sparkpost\n  customer-id 123\n'));
    assert.deepEqual(noServer.problems, [
      '1: warning: engagement-tracking: no tracking-domain and no <signals-server> to serve tracking links; mail is sent without open and click tracking',
    ]);
    assert.equal(trackingSettings(noServer.config), undefined);
    assert.deepEqual(
      load(signals('  engagement-tracking true\n  tracking-domain t.example.com\n')).problems,
      ['1: error: engagement-tracking needs a customer-id in <signals>'],
    );
    assert.deepEqual(
      load(signals('  engagement-tracking true\n  tracking-domain ftp://x\n  customer-id 1\n')).problems,
      ['1: error: tracking domain "ftp://x" must be http or https'],
    );
    assert.deepEqual(
      load(signals('  engagement-tracking true\n') + server('  listen 0.0.0.0:8090\n')).problems,
      [
        '1: error: <signals-server> listens on every address: set its public-url or a <signals> tracking-domain for tracking links',
      ],
    );
    const mismatch = load(
      signals('  engagement-tracking true\n  customer-id 9\n') +
        `<signals-server>\n  api-key ${'z'.repeat(40)} all\n</signals-server>\n`,
    );
    assert.deepEqual(mismatch.problems, [
      '1: warning: <signals> customer-id 9 is not the <signals-server> customer-id 1: its tracking links will not be accepted',
      '1: warning: <signals> api-key is not a <signals-server> api-key with the events/ingest grant: its tracking links will not be accepted',
    ]);
  });
});
