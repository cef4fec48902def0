// Global directives (powermta.md §2.1, §2.5, §2.8, §2.10, §2.12) and the value types several scopes
// share (smtp-source-host, domain-key, enable-signals).
import type { Position } from '../diagnostics.js';
import type { DirectiveNode } from '../parse.js';
import { type Cidr, type DomainPattern, parseCidr, parseDomainPattern, parseRegex } from '../patterns.js';
import {
  acted,
  anyValue,
  bool,
  deprecated,
  email,
  int,
  interval,
  list,
  oneOf,
  oneWord,
  repeated,
  type SettingsOf,
  text,
  wholeText,
  word,
} from '../spec.js';
import { ConfigValueError, parseHostPort, parseInteger, parseList } from '../values.js';

const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

export interface ListenerAddress {
  host: string;
  port: number;
  /** `source=NAME`: a named <source> applied to connections on this listener. */
  source?: string;
}

/** `smtp-listener 0.0.0.0:587 [source=NAME]`; `0/0:25` means all addresses. */
export function parseListener(node: DirectiveNode): ListenerAddress {
  const [address, ...options] = node.words;
  if (!address) return fail('argument missing');
  const normalized = address.replace(/^0\/0:/, '0.0.0.0:');
  const { host, port } = parseHostPort(normalized.replace(/^([^[:]*)\/\d+:/, '$1:'));
  const listener: ListenerAddress = { host, port };
  for (const option of options) {
    const match = option.match(/^source=(.+)$/i);
    if (!match) return fail(`unknown listener option "${option}" (expected source=NAME)`);
    listener.source = match[1];
  }
  return listener;
}

export interface SourceHost {
  /** An address or a network (round-robin over its addresses, 127.0.0.1 excluded per UG50). */
  cidr: Cidr;
  ip: string;
  hostname: string;
}

/** `smtp-source-host IP HOSTNAME` (UG50 §3.3.1.16). */
export function parseSourceHost(node: DirectiveNode): SourceHost {
  if (node.words.length === 0) return fail('argument missing');
  if (node.words.length !== 2) return fail('expected an IP address (or network) and a host name');
  const [ip, hostname] = node.words as [string, string];
  return { cidr: parseCidr(ip), ip: ip.split('/')[0]!, hostname };
}

export interface DomainKey {
  selector: string;
  /** `*` signs any identity; otherwise the identity's domain or a parent of it. */
  domain: string;
  keyFile: string;
}

/** `domain-key SELECTOR,DOMAIN,FILE`; spaces after the commas are allowed (UG50 §3.3.1.33.1). */
export function parseDomainKey(node: DirectiveNode): DomainKey {
  const parts = wholeText(node)
    .split(',')
    .map((s) => s.trim());
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    return fail('expected SELECTOR,DOMAIN,KEY-FILE');
  }
  const [selector, domain, keyFile] = parts as [string, string, string];
  return { selector, domain: domain.toLowerCase(), keyFile };
}

export interface EnableSignals {
  enabled: boolean;
  subaccount?: number;
  /** Name of a <signals-filter> that decides per sending domain. */
  filter?: string;
  pos?: Position;
}

/** `enable-signals { true[,subaccount=N] | false | FILTER-NAME }` (UG50 §10.1.4.1.1). */
export function parseEnableSignals(node: DirectiveNode): EnableSignals {
  const [first = '', ...rest] = oneWord(node).split(',');
  const flag = first.toLowerCase();
  if (flag === 'true' || flag === 'yes') {
    const result: EnableSignals = { enabled: true };
    for (const option of rest) {
      const match = option.match(/^subaccount=(\d+)$/i);
      if (!match) return fail(`invalid enable-signals option "${option}" (expected subaccount=N)`);
      result.subaccount = parseInteger(match[1]!, 0);
    }
    return result;
  }
  if (rest.length > 0) return fail('subaccount=N is only allowed with true');
  if (flag === 'false' || flag === 'no') return { enabled: false };
  return { enabled: true, filter: first };
}

export const enableSignals = () => ({
  parse: (node: DirectiveNode): EnableSignals => ({ ...parseEnableSignals(node), pos: node.pos }),
  default: undefined as EnableSignals | undefined,
  acted: true,
});

export type HttpAccessLevel = 'none' | 'monitor' | 'operator' | 'admin';

export interface HttpAccess {
  cidr: Cidr;
  level: HttpAccessLevel;
  denyLogs: boolean;
}

function parseHttpAccess(node: DirectiveNode): HttpAccess {
  if (node.words.length !== 2) return fail('expected an address or network and an access level');
  const [levelText, ...flags] = node.words[1]!.toLowerCase().split(',');
  if (!['none', 'monitor', 'operator', 'admin'].includes(levelText!)) {
    return fail(`invalid access level "${levelText}" (expected none, monitor, operator or admin)`);
  }
  if (flags.some((f) => f !== 'deny-logs')) return fail(`invalid access option "${flags.join(',')}"`);
  return { cidr: parseCidr(node.words[0]!), level: levelText as HttpAccessLevel, denyLogs: flags.length > 0 };
}

export interface DomainMacro {
  name: string;
  values: string[];
}

export interface ConnectionLimit<T> {
  pattern: T;
  limit: number;
}

export interface TlsCertificate {
  file: string;
  password?: string;
}

const tlsCertificate = () => ({
  parse: (node: DirectiveNode): TlsCertificate => {
    const [file, password] = node.words;
    if (!file) return fail('argument missing');
    if (node.words.length > 2) return fail('expected a certificate file and an optional password');
    return password === undefined ? { file } : { file, password };
  },
  default: undefined as TlsCertificate | undefined,
  acted: false,
});

function twoWords(node: DirectiveNode): [string, string] {
  if (node.words.length !== 2) return fail('expected two arguments');
  return node.words as [string, string];
}

export const GLOBAL_DIRECTIVES = {
  postmaster: repeated((n) => email().parse(n, undefined)!),
  'host-name': acted(repeated(oneWord)),
  'smtp-listener': acted(repeated((n) => ({ ...parseListener(n), pos: n.pos }))),
  'smtp-ip': deprecated(word(), 'use smtp-listener'),
  'smtp-port': deprecated(int(25, 1, 65535), 'use smtp-listener'),
  'smtp-source-host': acted(repeated(parseSourceHost)),
  'total-max-smtp-out': acted(int(1200)),
  'total-max-smtp-in': acted(int(100)),
  'smtp-await-slot': acted(bool(false)),
  spool: deprecated(repeated(oneWord), 'use <spool DIR>'),
  'spool-delete-corrupted': bool(false),
  'spool-min-free-space': int(0),
  'spool-max-recipients': word(),
  'run-as-root': bool(true),
  'log-file': acted(text()),
  'log-rotate': acted(int(8)),
  'log-auto-rotation': acted(bool(true)),
  'log-file-world-readable': acted(bool(false)),
  'name-server': acted(repeated(oneWord)),
  'host-id': int(0),
  'domain-suffix': word(),
  'custom-dsn-from-header': text(),
  alias: repeated((n) => {
    const [from, to] = twoWords(n);
    return { from, to: parseList(to) };
  }),
  'domain-macro': repeated((n): DomainMacro => {
    const [name, values] = [n.words[0], n.words.slice(1).join('')];
    if (!name || values === '') return fail('expected a macro name and a list of values');
    return { name, values: parseList(values) };
  }),
  'domain-key': acted(repeated(parseDomainKey)),
  'invalid-virtual-mta-fallback': acted(word()),
  'include-headers-from': text(),
  pickup: anyValue(),
  'pickup-retry-interval': interval(60),
  'pickup-remove-dot': bool(false),
  'mx-connection-limit': repeated((n): ConnectionLimit<string> => {
    const [pattern, limit] = twoWords(n);
    return { pattern, limit: parseInteger(limit, 0) };
  }),
  'ip-connection-limit': repeated((n): ConnectionLimit<Cidr> => {
    const [cidr, limit] = twoWords(n);
    return { pattern: parseCidr(cidr), limit: parseInteger(limit, 0) };
  }),
  'dummy-smtp-ip': word(),
  'dummy-smtp-port': int(0, 0, 65535),
  'dummy-smtp-await-slot': bool(false),
  'dummy-smtp-has-chunking': bool(true),
  'dummy-smtp-has-pipelining': bool(true),
  'dummy-smtp-has-verp': bool(true),
  'dummy-smtp-latency': interval(0),
  'dummy-smtp-update-stats': bool(true),
  'use-proxy': list(),
  'enable-signals': enableSignals(),
  // relaying (UG50 §3.3.1.32)
  'relay-domain': acted(repeated((n): DomainPattern => parseDomainPattern(oneWord(n)))),
  'relay-address': acted(
    repeated((n): string | RegExp => {
      const value = oneWord(n);
      return value.startsWith('/') ? parseRegex(value) : value.toLowerCase();
    }),
  ),
  'relay-debug': acted(bool(false)),
  // server-side TLS (UG50 §3.3.1.9–15)
  'smtp-server-tls-certificate': acted(tlsCertificate()),
  'smtp-server-tls-ca-file': text(),
  'smtp-server-tls-allow-sslv3': bool(false),
  'smtp-server-tls-allow-tlsv1': acted(bool(false)),
  'smtp-server-tls-allow-tlsv1.1': acted(bool(true)),
  'smtp-server-tls-allow-tlsv1.2': acted(bool(true)),
  // UNCONFIRMED in UG50; the seed config sets it, and a 5.x with OpenSSL 1.1.1 has TLS 1.3 on.
  'smtp-server-tls-allow-tlsv1.3': acted(bool(true)),
  'smtp-server-tls-ciphers': acted(text('HIGH:!ADH:@STRENGTH')),
  // web monitor (UG50 §3.3.1.36)
  'http-mgmt-port': acted(int(8080, 0, 65535)),
  'http-access': acted(repeated(parseHttpAccess)),
  'http-redirect-to-https': bool(true),
  'http-csrf-protection': acted(bool(true)),
  'http-api-key': acted(
    repeated((n) => {
      const key = oneWord(n);
      if (!/^[A-Za-z0-9_]{32,128}$/.test(key))
        fail('an http-api-key is 32 to 128 characters of A-Z, a-z, 0-9 and _');
      return key;
    }),
  ),
  'http-strict-transport-security-max-age': interval(0),
  'http-mgmt-source': deprecated(repeated(oneWord), 'use http-access'),
  'no-http-mgmt-source': deprecated(repeated(oneWord), 'use http-access'),
  'http-tls-allow-sslv3': bool(false),
  'http-tls-allow-tlsv1': bool(false),
  'http-tls-allow-tlsv1.1': bool(true),
  'http-tls-allow-tlsv1.2': bool(true),
  'http-tls-allow-tlsv1.3': bool(true),
  'http-tls-ciphers': text(),
  'http-tls-ca-file': text(),
  'http-log-tls': bool(false),
  'http-log-data': bool(false),
  'http-log-requests': bool(false),
  'http-default-max-items': acted(int(10)),
  'http-default-sort-order': acted(oneOf(['rcpt', 'name', 'size'] as const, 'rcpt')),
  // seen in real configs but not in UG50 (UNCONFIRMED): accepted so those configs load
  'sync-msg-create': bool(true),
  'sync-msg-update': bool(true),
  'dk-sign': bool(false),
  'thread-min-priority': anyValue(),
  'thread-max-priority': anyValue(),
  'thread-reuse': anyValue(),
  'mailmerge-expands-undefined-variables': bool(false),
  'pmc-acct-min-free-space': anyValue(),
};

export type GlobalSettings = SettingsOf<typeof GLOBAL_DIRECTIVES>;
