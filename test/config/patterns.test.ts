import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cidrContains,
  domainMatches,
  domainSpecificity,
  parseCidr,
  parseDomainPattern,
  parseRegex,
} from '../../src/config/patterns.js';

describe('CIDR', () => {
  it('reads PowerMTA abbreviations: 10/8, 10.1.0/24, 0/0', () => {
    assert.ok(cidrContains(parseCidr('10/8'), '10.200.3.4'));
    assert.ok(!cidrContains(parseCidr('10/8'), '11.0.0.1'));
    assert.ok(cidrContains(parseCidr('10.1.0/24'), '10.1.0.77'));
    assert.ok(!cidrContains(parseCidr('10.1.0/24'), '10.1.1.77'));
    assert.ok(cidrContains(parseCidr('0/0'), '203.0.113.9'));
    assert.ok(cidrContains(parseCidr('127.0.0.1'), '127.0.0.1'));
    assert.ok(!cidrContains(parseCidr('127.0.0.1'), '127.0.0.2'));
  });

  it('matches v4-mapped IPv6 client addresses against v4 rules and IPv6 against v6 rules', () => {
    assert.ok(cidrContains(parseCidr('127.0.0.0/8'), '::ffff:127.0.0.9'));
    assert.ok(cidrContains(parseCidr('::1'), '::1'));
    assert.ok(cidrContains(parseCidr('2001:db8::/32'), '2001:db8:1::5'));
    assert.ok(!cidrContains(parseCidr('2001:db8::/32'), '2001:db9::5'));
    assert.ok(!cidrContains(parseCidr('0/0'), '::1'));
  });

  it('rejects malformed networks', () => {
    for (const bad of ['10.1', '300.1.1.1', '10/33', 'abc', '1.2.3.4/8/8', '::1/129', '']) {
      assert.throws(() => parseCidr(bad), /invalid address or network/, bad);
    }
  });
});

describe('domain patterns', () => {
  it('matches *, exact, *.d (subdomains only), [*.]d (both) and [ip/mask] literals', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*', 'anything.example', true],
      ['example.com', 'EXAMPLE.com.', true],
      ['example.com', 'mail.example.com', false],
      ['*.example.com', 'mail.example.com', true],
      ['*.example.com', 'example.com', false],
      ['[*.]example.com', 'example.com', true],
      ['[*.]example.com', 'a.b.example.com', true],
      ['[*.]example.com', 'badexample.com', false],
      ['[10/8]', '[10.1.2.3]', true],
      ['[10/8]', '[11.1.2.3]', false],
      ['[0/0]', 'example.com', false],
      ['bücher.de', 'xn--bcher-kva.de', true],
    ];
    for (const [pattern, domain, expected] of cases) {
      assert.equal(domainMatches(parseDomainPattern(pattern), domain), expected, `${pattern} ~ ${domain}`);
    }
  });

  it('orders specificity * < [*.]d < *.d < d, longer domains more specific', () => {
    const order = [
      '*',
      '[*.]port25.com',
      '*.port25.com',
      'port25.com',
      '*.mail.port25.com',
      'discard.port25.com',
    ];
    const scores = order.map((p) => domainSpecificity(parseDomainPattern(p)));
    assert.deepEqual(
      [...scores].sort((a, b) => a - b),
      scores,
    );
  });
});

describe('regex patterns', () => {
  it('is case-insensitive unless it starts with (?-i)', () => {
    assert.ok(parseRegex('/mailbox +full/').test('MAILBOX FULL'));
    assert.ok(!parseRegex('/(?-i)mailbox/').test('MAILBOX'));
    assert.ok(parseRegex('/\\x23/').test('#'));
  });

  it('accepts Python-style named groups and rejects broken regexes', () => {
    assert.equal(parseRegex('/(?P<rcpt>\\S+@\\S+)/').exec('to a@b.c')?.groups?.rcpt, 'a@b.c');
    assert.throws(() => parseRegex('/(unclosed/'), /invalid regular expression/);
    assert.throws(() => parseRegex('no-slashes'), /expected \/\.\.\.\//);
  });
});
