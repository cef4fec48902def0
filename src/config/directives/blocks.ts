// Directive tables of the smaller blocks: VirtualMTAs and pools, SMTP users and listeners, spools,
// accounting files, processors and Signals (powermta.md §1.4, §2.3, §2.6, §2.11, §2.12, §3.1, §7).
import type { DirectiveNode } from '../parse.js';
import { parseDomainPattern } from '../patterns.js';
import {
  acted,
  anyValue,
  bool,
  email,
  int,
  interval,
  intervalOrNever,
  list,
  oneOf,
  oneWord,
  rate,
  repeated,
  type SettingsOf,
  size,
  text,
  volumeRate,
  wholeText,
  word,
} from '../spec.js';
import { ConfigValueError, parseList } from '../values.js';
import { enableSignals, parseDomainKey, parseSourceHost } from './global.js';

const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

export const VIRTUAL_MTA_DIRECTIVES = {
  'smtp-source-host': acted(repeated(parseSourceHost)),
  'host-name': acted(word()),
  'domain-key': acted(repeated(parseDomainKey)),
  'include-headers-from': text(),
  'max-smtp-out': acted(int(Number.MAX_SAFE_INTEGER)),
  'max-smtp-msg-rate': rate(),
  'max-smtp-data-volume-rate': volumeRate(),
  'cold-virtual-mta': word(),
  'rewrite-list': word(),
  'use-proxy': list(),
  'enable-signals': enableSignals(),
};
export type VirtualMtaSettings = SettingsOf<typeof VIRTUAL_MTA_DIRECTIVES>;

export const VIRTUAL_MTA_POOL_DIRECTIVES = {
  'virtual-mta': acted(repeated(oneWord)),
  'domain-key': acted(repeated(parseDomainKey)),
  'include-headers-from': text(),
  'max-smtp-out': int(Number.MAX_SAFE_INTEGER),
  'max-smtp-msg-rate': rate(),
  'max-smtp-data-volume-rate': volumeRate(),
  'cold-virtual-mta': word(),
  'rewrite-list': word(),
  'enable-signals': enableSignals(),
};
export type VirtualMtaPoolSettings = SettingsOf<typeof VIRTUAL_MTA_POOL_DIRECTIVES>;

export const SMTP_USER_DIRECTIVES = {
  password: acted(text()),
  'authentication-method': acted(oneOf(['password', 'system', 'certificate'] as const, 'password')),
  'tls-certificate': text(),
  source: acted(word()),
};
export type SmtpUserSettings = SettingsOf<typeof SMTP_USER_DIRECTIVES>;

/** `<smtp-listener IP:PORT>` block form (UG50 §3.3.17); unset values inherit the global ones. */
export const SMTP_LISTENER_DIRECTIVES = {
  source: acted(word()),
  'tls-certificate': acted(text()),
  'tls-ca-file': text(),
  'tls-ciphers': acted(text()),
  'tls-allow-sslv3': { ...bool(false), default: undefined as boolean | undefined },
  'tls-allow-tlsv1': acted({ ...bool(false), default: undefined as boolean | undefined }),
  'tls-allow-tlsv1.1': acted({ ...bool(true), default: undefined as boolean | undefined }),
  'tls-allow-tlsv1.2': acted({ ...bool(true), default: undefined as boolean | undefined }),
  'tls-allow-tlsv1.3': acted({ ...bool(true), default: undefined as boolean | undefined }),
  'immediate-tls': acted(bool(false)),
  'await-slot': acted({ ...bool(false), default: undefined as boolean | undefined }),
};
export type SmtpListenerSettings = SettingsOf<typeof SMTP_LISTENER_DIRECTIVES>;

export const SOURCE_GROUP_DIRECTIVES = {
  'max-smtp-in': int(Number.MAX_SAFE_INTEGER),
  'reserved-smtp-in': int(0),
};

export const SPOOL_DIRECTIVES = {
  priority: acted(int(1, 1, 100)),
  'min-free-space': acted(size(0)),
  'delete-file-holders': bool(false),
  'deliver-only': bool(false),
};
export type SpoolSettings = SettingsOf<typeof SPOOL_DIRECTIVES>;

export const RECORD_TYPES = ['d', 'b', 't', 'tq', 'r', 'f', 'rb', 'rs'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
const RECORD_LONG_NAMES: Record<string, RecordType> = {
  delivery: 'd',
  bounce: 'b',
  transient: 't',
  'transient-queue': 'tq',
  receipt: 'r',
  'feedback-loop': 'f',
  fbl: 'f',
  'remote-bounce': 'rb',
  'remote-status': 'rs',
};

export function parseRecordType(text: string): RecordType {
  const lower = text.toLowerCase();
  const type = (RECORD_TYPES as readonly string[]).includes(lower)
    ? (lower as RecordType)
    : RECORD_LONG_NAMES[lower];
  return type ?? fail(`unknown record type "${text}" (expected one of ${RECORD_TYPES.join(', ')})`);
}

export interface RecordFields {
  type: RecordType;
  /** As written: `*`, `!field`, `header_NAME` or a field name. */
  fields: string[];
}

export interface HeaderToField {
  type: RecordType;
  header: string;
  field: string;
}

export const ACCT_FILE_DIRECTIVES = {
  records: {
    parse: (node: DirectiveNode) => parseList(wholeText(node)).map(parseRecordType),
    default: ['d', 'b'] as RecordType[],
    acted: true,
  },
  'record-fields': acted(
    repeated((node): RecordFields => {
      const [type, ...rest] = node.words;
      if (!type || rest.length === 0) return fail('expected a record type and a list of fields');
      return { type: parseRecordType(type), fields: parseList(rest.join('')) };
    }),
  ),
  'map-header-to-field': acted(
    repeated((node): HeaderToField => {
      if (node.words.length !== 3) return fail('expected a record type, a header_NAME and a field');
      const [type, header, field] = node.words as [string, string, string];
      if (!header.toLowerCase().startsWith('header_')) return fail(`expected header_NAME, found "${header}"`);
      const recordType = parseRecordType(type);
      if (recordType === 'tq') fail('map-header-to-field is not allowed for tq records');
      return { type: recordType, header, field };
    }),
  ),
  'move-to': acted(text()),
  'move-interval': acted(interval(86400)),
  'max-size': {
    ...acted(size(250 * 1024 * 1024)),
    parse: (node: DirectiveNode) => {
      const bytes = size(0).parse(node, 0);
      if (bytes < 1024 * 1024) fail('max-size must be at least 1M');
      return bytes;
    },
  },
  'delete-after': acted(intervalOrNever(8 * 86400)),
  'iso-times': acted(bool(true)),
  'user-string': acted(text()),
  'queue-filter': acted(list()),
  'write-timeout': acted(interval(60)),
  'retry-interval': acted(interval(300)),
  'world-readable': acted(bool(false)),
  'count-moved-records': bool(false),
  sync: acted(bool(false)),
  'privacy-policy': {
    parse: (node: DirectiveNode) => {
      const [mode = '', key] = node.words;
      const allowed = ['retain', 'redact', 'siphash', 'siphash-hexkey', 'hmac-sha256', 'hmac-sha256-hexkey'];
      if (!allowed.includes(mode.toLowerCase()))
        fail(`invalid privacy policy "${mode}" (expected ${allowed.join(', ')})`);
      if (mode.toLowerCase() !== 'retain' && mode.toLowerCase() !== 'redact' && key === undefined) {
        fail(`privacy-policy ${mode} needs a key`);
      }
      return { mode: mode.toLowerCase(), key };
    },
    default: { mode: 'retain', key: undefined } as { mode: string; key: string | undefined },
    acted: true,
  },
};
export type AcctFileSettings = SettingsOf<typeof ACCT_FILE_DIRECTIVES>;

/** `<signals>` (UG50 §10.1.4.2 and the 5.0r4+ engagement-tracking directives of the seed article). */
export const SIGNALS_DIRECTIVES = {
  'api-key': acted(text()),
  'upload-url': acted(text('https://api.sparkpost.com/api/v1/ingest/events')),
  'engagement-tracking': {
    // `true` (5.0r1) or `sparkpost` (5.0r4+, the seed); both turn tracking on.
    parse: (node: DirectiveNode) => {
      const value = oneWord(node).toLowerCase();
      if (['true', 'yes', 'sparkpost'].includes(value)) return true;
      if (['false', 'no'].includes(value)) return false;
      return fail(`invalid value "${value}" (expected sparkpost, true or false)`);
    },
    default: false,
    acted: true,
  },
  'customer-id': acted(int(0)),
  'tracking-domain': acted(text()),
  'custom-message-id-header': acted(word()),
  'process-x-sp-subaccount-id': acted(bool(false)),
  'retain-x-sp-subaccount-id': acted(bool(false)),
  'log-verbose': acted(bool(false)),
  'min-free-space': acted(size(20 * 1024 * 1024)),
  'privacy-policy': acted(oneOf(['retain', 'sha1'] as const, 'retain')),
};
export type SignalsSettings = SettingsOf<typeof SIGNALS_DIRECTIVES>;

export interface SignalsFilterRule {
  pattern: string;
  enabled: boolean;
  subaccount?: number;
}

export const SIGNALS_FILTER_DIRECTIVES = {
  'sender-or-from': acted(
    repeated((node): SignalsFilterRule => {
      if (node.words.length !== 2)
        return fail('expected a domain pattern and enable-signals[,subaccount=N] or disable-signals');
      const [pattern, action] = node.words as [string, string];
      parseDomainPattern(pattern);
      const [verb, ...options] = action.toLowerCase().split(',');
      if (verb === 'disable-signals' && options.length === 0) return { pattern, enabled: false };
      if (verb !== 'enable-signals')
        return fail(`invalid action "${action}" (expected enable-signals or disable-signals)`);
      const rule: SignalsFilterRule = { pattern, enabled: true };
      for (const option of options) {
        const match = option.match(/^subaccount=(\d+)$/);
        if (!match) return fail(`invalid option "${option}" (expected subaccount=N)`);
        rule.subaccount = Number(match[1]);
      }
      return rule;
    }),
  ),
};

export const PROCESSOR_DIRECTIVES = {
  'deliver-email': bool(true),
  'deliver-unmatched-email': acted(bool(true)),
  'deliver-matched-email': acted(bool(false)),
  'forward-unmatched-to': email(),
  'forward-errors-to': repeated((n) => email().parse(n, undefined)!),
};
export type ProcessorSettings = SettingsOf<typeof PROCESSOR_DIRECTIVES>;

export const ADDRESS_LIST_DIRECTIVES = {
  address: acted(repeated(oneWord)),
  'address-file': repeated(oneWord),
  domain: acted(repeated(oneWord)),
};

export const EMAIL_PATTERNS_DIRECTIVES = {
  // Read by src/bounce/processor-options.ts; the report parser applies the files' patterns.
  'body-pattern-file': acted(repeated(oneWord)),
  'log-match-info': bool(false),
};

export const TRANSMISSIONS_API_DIRECTIVES = {
  'api-key': repeated(oneWord),
  'log-data': bool(false),
  'log-requests': bool(false),
  'log-tls': bool(false),
};

export const TRANSMISSIONS_API_LISTENER_DIRECTIVES = {
  'tls-certificate': text(),
  'tls-ca-file': text(),
  'tls-ciphers': text(),
  'tls-allow-sslv3': bool(false),
  'tls-allow-tlsv1': bool(false),
  'tls-allow-tlsv1.1': bool(true),
  'tls-allow-tlsv1.2': bool(true),
};

export const PROXY_DIRECTIVES = {
  server: repeated((n) => wholeText(n)),
  client: repeated((n) => wholeText(n)),
};

export const DNS_DIRECTIVES = {
  'precached-domains-file': text(),
  'precached-max-domains': int(0),
  'precached-refresh-interval': interval(3600),
};

/** Any value accepted (used for tables where Outpost only needs the raw text). */
export const RAW = anyValue;
