import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainSettingsFor, loadConfigText, sourceSettingsFor } from '../../src/config/index.js';

describe('<source> resolution', () => {
  const { config } = loadConfigText(
    [
      'smtp-listener 127.0.0.1:587',
      'smtp-listener 127.0.0.1:2525 source=feeder',
      '<source 0/0>',
      '  smtp-service no',
      '  max-message-size 10M',
      '  log-commands yes',
      '</source>',
      '<source 10/8>',
      '  smtp-service yes',
      '</source>',
      '<source 10.1.2.3>',
      '  max-message-size 1M',
      '</source>',
      '<source feeder>',
      '  always-allow-relaying yes',
      '  smtp-service yes',
      '</source>',
      '<source {auth}>',
      '  always-allow-relaying yes',
      '  default-virtual-mta pool1',
      '  process-x-job true',
      '</source>',
      '<source {special}>',
      '  default-virtual-mta v2',
      '</source>',
      '<smtp-user alice>',
      '  password a',
      '</smtp-user>',
      '<smtp-user bob>',
      '  password b',
      '  source {special}',
      '</smtp-user>',
      '<virtual-mta v1>',
      '</virtual-mta>',
      '<virtual-mta v2>',
      '</virtual-mta>',
      '<virtual-mta-pool pool1>',
      '  virtual-mta v1',
      '</virtual-mta-pool>',
    ].join('\n'),
  );

  it('applies defaults when no rule matches', () => {
    const s = sourceSettingsFor(config, { ip: '::1' });
    assert.equal(s['smtp-service'], true);
    assert.equal(s['max-message-size'], Number.POSITIVE_INFINITY);
  });

  it('merges address rules from general to specific', () => {
    const outside = sourceSettingsFor(config, { ip: '192.0.2.1' });
    assert.equal(outside['smtp-service'], false);
    const inside = sourceSettingsFor(config, { ip: '10.1.2.3' });
    assert.equal(inside['smtp-service'], true, 'from 10/8');
    assert.equal(inside['max-message-size'], 1024 * 1024, 'from 10.1.2.3');
    assert.equal(inside['log-commands'], true, 'inherited from 0/0');
    assert.equal(sourceSettingsFor(config, { ip: '::ffff:10.9.9.9' })['smtp-service'], true);
  });

  it("lets a listener's named source override the address rules", () => {
    const s = sourceSettingsFor(config, { ip: '192.0.2.1', listenerSource: 'feeder' });
    assert.equal(s['smtp-service'], true);
    assert.equal(s['always-allow-relaying'], true);
    assert.equal(s['max-message-size'], 10 * 1024 * 1024, 'still inherited from 0/0');
  });

  it("applies {auth} after AUTH, or the user's own source instead", () => {
    const before = sourceSettingsFor(config, { ip: '192.0.2.1' });
    assert.equal(before['always-allow-relaying'], false);
    const alice = sourceSettingsFor(config, { ip: '192.0.2.1', user: 'alice' });
    assert.equal(alice['always-allow-relaying'], true);
    assert.equal(alice['default-virtual-mta'], 'pool1');
    const bob = sourceSettingsFor(config, { ip: '192.0.2.1', user: 'bob' });
    assert.equal(bob['default-virtual-mta'], 'v2');
    assert.equal(bob['always-allow-relaying'], false, '{auth} does not apply to a user with its own source');
  });
});

describe('<domain> resolution', () => {
  const { config } = loadConfigText(
    [
      '<domain *>',
      '  max-smtp-out 2',
      '  retry-after 10m',
      '</domain>',
      '<domain [*.]port25.com>',
      '  max-smtp-out 4',
      '  bounce-after 1d',
      '</domain>',
      '<domain *.port25.com>',
      '  max-smtp-out 6',
      '</domain>',
      '<domain discard.port25.com>',
      '  max-smtp-out 8',
      '</domain>',
      'domain-macro tld com,fr',
      '<domain yahoo.$tld>',
      '  max-msg-rate 100/h',
      '  max-smtp-out 9',
      '</domain>',
      '<domain yahoo.com>',
      '  max-smtp-out 11',
      '</domain>',
      '<virtual-mta v1>',
      '  <domain *>',
      '    max-msg-per-connection 50',
      '  </domain>',
      '  <domain gmail.com>',
      '    max-smtp-out 30',
      '  </domain>',
      '</virtual-mta>',
      '<virtual-mta v2>',
      '</virtual-mta>',
      '<virtual-mta-pool p>',
      '  virtual-mta v1',
      '  virtual-mta v2',
      '  <domain *>',
      '    max-smtp-out 20',
      '    dkim-sign yes',
      '  </domain>',
      '</virtual-mta-pool>',
    ].join('\n'),
  );

  it('merges matching rules from general to specific; the most specific wins', () => {
    assert.equal(domainSettingsFor(config, 'example.org')['max-smtp-out'], 2);
    assert.equal(domainSettingsFor(config, 'port25.com')['max-smtp-out'], 4);
    assert.equal(domainSettingsFor(config, 'mail.port25.com')['max-smtp-out'], 6);
    const discard = domainSettingsFor(config, 'discard.port25.com');
    assert.equal(discard['max-smtp-out'], 8);
    assert.equal(discard['bounce-after'], 86400, 'inherited from [*.]port25.com');
    assert.deepEqual(discard['retry-after'], [600], 'inherited from *');
    assert.equal(
      domainSettingsFor(config, 'example.org')['bounce-after'],
      4 * 86400 + 12 * 3600,
      'PowerMTA default',
    );
  });

  it('lets an explicit domain beat the same domain expanded from a macro', () => {
    assert.equal(domainSettingsFor(config, 'yahoo.com')['max-smtp-out'], 11);
    assert.equal(domainSettingsFor(config, 'yahoo.com')['max-msg-rate'].count, 100);
    assert.equal(domainSettingsFor(config, 'yahoo.fr')['max-smtp-out'], 9);
  });

  it("gives a VirtualMTA's <domain> precedence over its pool's, and the pool's over the global one", () => {
    const v1 = domainSettingsFor(config, 'example.org', 'v1');
    assert.equal(v1['max-smtp-out'], 20, 'pool <domain *> beats global <domain *>');
    assert.equal(v1['max-msg-per-connection'], 50, 'from the VMTA');
    assert.equal(v1['dkim-sign'], true, 'from the pool');
    assert.equal(domainSettingsFor(config, 'gmail.com', 'v1')['max-smtp-out'], 30);
    assert.equal(domainSettingsFor(config, 'gmail.com', 'v2')['max-smtp-out'], 20);
    assert.equal(
      domainSettingsFor(config, 'discard.port25.com', 'v2')['max-smtp-out'],
      8,
      'a specific global rule beats a pool wildcard',
    );
    assert.equal(
      domainSettingsFor(config, 'gmail.com')['max-smtp-out'],
      2,
      '{default} queue: global rules only',
    );
  });
});
