// The relay decision against the classic open-relay tricks. Nothing addressed elsewhere may pass
// for an unauthorised client, however the address is written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/index.js';
import { AddressSyntaxError, parseMailbox } from '../../src/smtp/address.js';
import { decideRelay, relayRulesFrom } from '../../src/smtp/relay.js';

const { config } = loadConfigText(`
host-name mta.example.net
relay-domain bounces.example.net
relay-domain [*.]fbl.example.net
relay-domain bücher.example
relay-address postmaster@example.org
relay-address /^abuse@example\\.com$/
<bounce-processor>
    <address-list>
        domain dsn.example.net
        address Reports@Example.info
    </address-list>
</bounce-processor>
`);
const rules = relayRulesFrom(config);

/** What an unauthorised client gets: the verdict, or 'syntax' when the address does not parse. */
function verdict(address: string, mayRelay = false): string {
  try {
    const result = decideRelay(rules, parseMailbox(address), mayRelay);
    return result.allowed ? `allowed:${result.reason}` : `denied:${result.reason}`;
  } catch (error) {
    if (error instanceof AddressSyntaxError) return 'syntax';
    throw error;
  }
}

describe('relay decision', () => {
  it('accepts our own domains and addresses, in any case, with a trailing dot, as IDN', () => {
    assert.equal(verdict('user@bounces.example.net'), 'allowed:relay-domain');
    assert.equal(verdict('User@BOUNCES.Example.NET'), 'allowed:relay-domain');
    assert.equal(verdict('user@bounces.example.net.'), 'allowed:relay-domain');
    assert.equal(verdict('user@fbl.example.net'), 'allowed:relay-domain');
    assert.equal(verdict('user@isp1.fbl.example.net'), 'allowed:relay-domain');
    assert.equal(verdict('user@BÜCHER.example'), 'allowed:relay-domain');
    assert.equal(verdict('user@xn--bcher-kva.example'), 'allowed:relay-domain');
    assert.equal(verdict('postmaster@mta.example.net'), 'allowed:host-name');
    assert.equal(verdict('POSTMASTER@example.org'), 'allowed:relay-address');
    assert.equal(verdict('abuse@example.com'), 'allowed:relay-address');
    assert.equal(verdict('anyone@dsn.example.net'), 'allowed:bounce-processor');
    assert.equal(verdict('reports@example.info'), 'allowed:bounce-processor');
    assert.equal(verdict('"quoted user"@bounces.example.net'), 'allowed:relay-domain');
  });

  it('ignores a source route and decides on the final mailbox', () => {
    assert.equal(verdict('@mta.example.net:victim@gmail.com'), 'denied:not-ours');
    assert.equal(verdict('@gmail.com,@yahoo.com:user@bounces.example.net'), 'allowed:relay-domain');
  });

  it('refuses everything else, however it is dressed up', () => {
    const refused = [
      'victim@gmail.com',
      'victim@gmail.com.',
      'victim@bounces.example.net.gmail.com',
      'victim@evilbounces.example.net',
      'victim@example.net',
      'victim@sub.bounces.example.net',
      'victim@[127.0.0.1]',
      'victim@[IPv6:::1]',
      'other@example.org',
      'abuse@example.com.evil.org',
    ];
    for (const address of refused) assert.equal(verdict(address), 'denied:not-ours', address);
  });

  it('refuses local parts another MTA would route on, even for our domains', () => {
    for (const address of [
      'victim%gmail.com@bounces.example.net',
      'gmail.com!victim@bounces.example.net',
      '"victim@gmail.com"@bounces.example.net',
      '"victim%gmail.com"@bounces.example.net',
    ]) {
      assert.equal(verdict(address), 'denied:routing-local-part', address);
    }
  });

  it('rejects malformed addresses before any relay decision', () => {
    for (const address of [
      'victim@gmail.com@bounces.example.net',
      'victim@bounces.example.net..',
      'victim@bounces..example.net',
      'victim@-bounces.example.net',
      'victim@',
      '@bounces.example.net',
      'a b@bounces.example.net',
      '"unterminated@bounces.example.net',
      'victim@bounces．example．net',
      'victim@[300.1.1.1]',
    ]) {
      assert.equal(verdict(address), 'syntax', address);
    }
  });

  it('lets always-allow-relaying send anywhere', () => {
    assert.equal(verdict('victim@gmail.com', true), 'allowed:always-allow-relaying');
  });
});
