// Address, domain and regex patterns of the PowerMTA configuration language (powermta.md §1.3).
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { ConfigValueError } from './values.js';

// ---- CIDR ---------------------------------------------------------------------------------------

export interface Cidr {
  text: string;
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function ipv4ToBigInt(octets: number[]): bigint {
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

function ipv6ToBigInt(text: string): bigint {
  // Expand "::" and an embedded dotted quad, then read eight 16-bit groups.
  let head = text;
  let tail4: number[] | undefined;
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    head = `${dotted[1]}0:0`;
    tail4 = dotted[2]!.split('.').map(Number);
  }
  const [left, right] = head.split('::');
  const l = left ? left.split(':') : [];
  const r = right !== undefined && right !== '' ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
  if (tail4) value = (value & ~0xffffffffn) | ipv4ToBigInt(tail4);
  return value;
}

/**
 * Parses `10/8`, `10.1.0/24`, `0/0`, `1.2.3.4`, `::1`, `2001:db8::/32`. PowerMTA lets IPv4 networks
 * drop trailing zero octets, so `10/8` is 10.0.0.0/8.
 */
export function parseCidr(text: string): Cidr {
  const [addr = '', prefixText, extra] = text.split('/');
  const bad = () =>
    new ConfigValueError(`invalid address or network "${text}" (expected e.g. 10/8, 1.2.3.4, ::1)`);
  if (extra !== undefined || (prefixText !== undefined && !/^\d+$/.test(prefixText))) throw bad();
  if (addr.includes(':')) {
    if (isIP(addr) !== 6) throw bad();
    const prefix = prefixText === undefined ? 128 : Number(prefixText);
    if (prefix > 128) throw bad();
    return { text, family: 6, network: maskBits(ipv6ToBigInt(addr), prefix, 128), prefix };
  }
  const octets = addr.split('.');
  if (octets.length > 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) throw bad();
  if (prefixText === undefined && octets.length !== 4) throw bad();
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (prefix > 32) throw bad();
  const full = [...octets.map(Number), 0, 0, 0].slice(0, 4);
  return { text, family: 4, network: maskBits(ipv4ToBigInt(full), prefix, 32), prefix };
}

function maskBits(value: bigint, prefix: number, width: number): bigint {
  const hostBits = BigInt(width - prefix);
  return (value >> hostBits) << hostBits;
}

/** Client addresses arrive as `1.2.3.4`, `::ffff:1.2.3.4` or IPv6; v4-mapped addresses match v4 rules. */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  let address = ip;
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  const family = isIP(address);
  if (family !== cidr.family) return false;
  const value = family === 4 ? ipv4ToBigInt(address.split('.').map(Number)) : ipv6ToBigInt(address);
  return maskBits(value, cidr.prefix, family === 4 ? 32 : 128) === cidr.network;
}

// ---- Domains ------------------------------------------------------------------------------------

/** Lower-case, no trailing dot, IDN to punycode, so `Bücher.DE.` and `xn--bcher-kva.de` compare equal. */
export function normalizeDomain(domain: string): string {
  const trimmed = domain.toLowerCase().replace(/\.$/, '');
  if (/^[\x20-\x7e]*$/.test(trimmed)) return trimmed;
  return domainToASCII(trimmed) || trimmed;
}

export type DomainPattern =
  | { kind: 'any'; text: string }
  | { kind: 'exact'; text: string; domain: string }
  | { kind: 'subdomains'; text: string; domain: string } // *.d: subdomains only
  | { kind: 'domain-and-subdomains'; text: string; domain: string } // [*.]d
  | { kind: 'literal'; text: string; cidr: Cidr }; // [ip/mask]: domain literals

export function parseDomainPattern(text: string): DomainPattern {
  if (text === '*') return { kind: 'any', text };
  if (text.startsWith('[*.]'))
    return { kind: 'domain-and-subdomains', text, domain: checkDomain(text.slice(4), text) };
  if (text.startsWith('*.')) return { kind: 'subdomains', text, domain: checkDomain(text.slice(2), text) };
  if (text.startsWith('[') && text.endsWith(']'))
    return { kind: 'literal', text, cidr: parseCidr(text.slice(1, -1)) };
  return { kind: 'exact', text, domain: checkDomain(text, text) };
}

function checkDomain(domain: string, original: string): string {
  // Special queue names such as {sparkpost}, {bounce} and gmail.rollup are plain names here.
  if (domain === '' || /[\s/@<>*]/.test(domain)) {
    throw new ConfigValueError(`invalid domain pattern "${original}"`);
  }
  return normalizeDomain(domain);
}

export function domainMatches(pattern: DomainPattern, domain: string): boolean {
  const d = normalizeDomain(domain);
  switch (pattern.kind) {
    case 'any':
      return true;
    case 'exact':
      return d === pattern.domain;
    case 'subdomains':
      return d.endsWith(`.${pattern.domain}`);
    case 'domain-and-subdomains':
      return d === pattern.domain || d.endsWith(`.${pattern.domain}`);
    case 'literal': {
      const literal = d.match(/^\[(?:ipv6:)?([^\]]+)\]$/);
      return literal !== null && cidrContains(pattern.cidr, literal[1]!);
    }
  }
}

/**
 * Ordering for "most specific wins, merged from general to specific" (UG50 §3.3.10):
 * `*` < `[*.]d` < `*.d` < `d`, and a longer domain is more specific than a shorter one.
 */
export function domainSpecificity(pattern: DomainPattern): number {
  switch (pattern.kind) {
    case 'any':
      return 0;
    case 'literal':
      return 1 + pattern.cidr.prefix;
    case 'domain-and-subdomains':
      return 1000 + pattern.domain.length * 4 + 1;
    case 'subdomains':
      return 1000 + pattern.domain.length * 4 + 2;
    case 'exact':
      return 1000 + pattern.domain.length * 4 + 3;
  }
}

// ---- Regular expressions ------------------------------------------------------------------------

/**
 * `/REGEX/` in PCRE syntax. Case-insensitive unless it starts with `(?-i)` (UG50 §3.3.15). Python-style
 * named groups `(?P<name>` are accepted because PowerMTA's pattern files use them.
 */
export function parseRegex(text: string): RegExp {
  if (text.length < 2 || !text.startsWith('/') || !text.endsWith('/')) {
    throw new ConfigValueError(`invalid regular expression "${text}" (expected /.../)`);
  }
  let source = text.slice(1, -1);
  let flags = 'i';
  if (source.startsWith('(?-i)')) {
    source = source.slice(5);
    flags = '';
  }
  source = source.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new ConfigValueError(`invalid regular expression ${text}: ${(error as Error).message}`);
  }
}
