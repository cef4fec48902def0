import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { domainSettingsFor, loadConfigText } from '../../src/config/index.js';
import { candidateKeys, DkimKeyStore, identityDomain, signMessage } from '../../src/delivery/dkim.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { pem, txt: `v=DKIM1; k=rsa; p=${der}` };
}

const MESSAGE = Buffer.from(
  'From: News <news@mail.example.com>\r\nTo: jane@example.org\r\nSubject: Hello\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n' +
    'Message-ID: <1@mail.example.com>\r\nReceived: from x by y\r\nX-Custom: keep\r\n\r\nHello there.\r\n',
);
const HEADERS = [
  ['From', 'News <news@mail.example.com>'],
  ['To', 'jane@example.org'],
  ['Subject', 'Hello'],
  ['X-Custom', 'keep'],
] as const;

describe('DKIM signing', () => {
  it('picks VMTA keys before pool and global ones, by parent domain, * last', (t) => {
    const dir = tempDir(t);
    const { config } = loadConfigText(
      [
        'domain-key g1,example.com,global.pem',
        'domain-key gstar,*,star.pem',
        '<virtual-mta v1>',
        '  domain-key v1,other.example,v1.pem',
        '</virtual-mta>',
        '<virtual-mta-pool p>',
        '  virtual-mta v1',
        '  domain-key p1,mail.example.com,pool.pem',
        '</virtual-mta-pool>',
      ].join('\n'),
      join(dir, 'outpost.config'),
    );
    writeFiles(dir, { 'global.pem': 'G', 'star.pem': 'S', 'v1.pem': 'V', 'pool.pem': 'P' });
    const store = new DkimKeyStore(config);
    const keys = candidateKeys(config, 'v1', 'p');
    assert.deepEqual(store.keyFor(keys, 'mail.example.com'), {
      selector: 'p1',
      domain: 'mail.example.com',
      privateKey: 'P',
    });
    assert.deepEqual(store.keyFor(keys, 'example.com'), {
      selector: 'g1',
      domain: 'example.com',
      privateKey: 'G',
    });
    assert.deepEqual(store.keyFor(keys, 'deep.other.example'), {
      selector: 'v1',
      domain: 'other.example',
      privateKey: 'V',
    });
    assert.deepEqual(store.keyFor(keys, 'unrelated.test'), {
      selector: 'gstar',
      domain: 'unrelated.test',
      privateKey: 'S',
    });
    assert.equal(store.keyFor(candidateKeys(config), 'unrelated.test')?.selector, 'gstar');
  });

  it('takes the identity from Sender:, else From:, unless dkim-identity says otherwise', () => {
    const s = { 'dkim-identity': 'sender-or-from' };
    assert.equal(identityDomain([['From', 'a <a@From.example>']], s), 'from.example');
    assert.equal(
      identityDomain(
        [
          ['From', 'a@from.example'],
          ['Sender', 'b@sender.example'],
        ],
        s,
      ),
      'sender.example',
    );
    assert.equal(
      identityDomain([['From', 'a@from.example']], { 'dkim-identity': '@fixed.example' }),
      'fixed.example',
    );
  });

  it('signs rsa-sha256 relaxed/relaxed so an independent verifier accepts it', async () => {
    const { pem, txt } = keyPair();
    const settings = domainSettingsFor(
      loadConfigText('<domain *>\ndkim-headers X-Custom,Received\n</domain>\n').config,
      'example.org',
    );
    const signed = await signMessage(
      MESSAGE,
      HEADERS,
      { selector: 'sel', domain: 'mail.example.com', privateKey: pem },
      settings,
    );
    const header = signed.toString().split('\r\n\r\n')[0]!;
    assert.match(header, /^DKIM-Signature: .*a=rsa-sha256/s);
    assert.match(header, /c=relaxed\/relaxed/);
    const h = header
      .match(/h=([^;]+);/)![1]!
      .replace(/\s/g, '')
      .toLowerCase()
      .split(':');
    assert.ok(h.includes('x-custom') && h.includes('from') && !h.includes('received'), h.join(':'));
    const result = await dkimVerify(signed, {
      resolver: async (name: string, type: string) => {
        assert.equal(`${name}/${type}`, 'sel._domainkey.mail.example.com/TXT');
        return [[txt]];
      },
    });
    assert.equal(result.results[0]?.status.result, 'pass', JSON.stringify(result.results[0]?.status));
  });

  it('fails verification when the body changes after signing', async () => {
    const { pem, txt } = keyPair();
    const settings = domainSettingsFor(loadConfigText('').config, 'example.org');
    const signed = await signMessage(
      MESSAGE,
      HEADERS,
      { selector: 'sel', domain: 'mail.example.com', privateKey: pem },
      settings,
    );
    const tampered = Buffer.from(signed.toString().replace('Hello there.', 'Hello there!'));
    const result = await dkimVerify(tampered, { resolver: async () => [[txt]] });
    // mailauth reports a body-hash mismatch as "neutral" with a comment saying so (RFC 6376 §6.1.3).
    assert.notEqual(result.results[0]?.status.result, 'pass');
    assert.match(String(result.results[0]?.status.comment), /body hash/);
  });
});
