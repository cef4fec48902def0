// `<domain PATTERN>` directives: per-queue delivery settings (powermta.md §2.7, §2.8, §2.9, §6).
// Defaults are PowerMTA 5.0's (UG50 §3.3.10).
import type { DirectiveNode } from '../parse.js';
import { type Cidr, parseCidr, parseRegex } from '../patterns.js';
import {
  acted,
  anyValue,
  bool,
  int,
  interval,
  intervalList,
  intervalOrNever,
  list,
  oneOf,
  oneWord,
  rate,
  repeated,
  type SettingsOf,
  text,
  volumeRate,
  wholeText,
  word,
} from '../spec.js';
import { ConfigValueError, parseInteger, parseList, parseRate, parseSize, type Rate } from '../values.js';

/** One next hop of `smtp-hosts`: `host`, `host:port`, `[1.2.3.4]:2525`, `[IPv6:…]`, `lookup-mx:domain`. */
export interface SmtpHost {
  host: string;
  port?: number;
  /** `[ip]` form: an address, not a name to resolve. */
  literal: boolean;
  /** `lookup-mx:otherdomain`: use that domain's MX records. */
  lookupMx?: string;
}

/** `,` separates hosts of one preference level, `;` separates levels (UG50 §3.3.10.89). */
export function parseSmtpHosts(textValue: string): SmtpHost[][] {
  if (textValue === '') return [];
  return textValue.split(';').map((level) =>
    parseList(level).map((item): SmtpHost => {
      if (item.toLowerCase().startsWith('lookup-mx:'))
        return { host: item.slice(10), literal: false, lookupMx: item.slice(10) };
      const literal = item.match(/^\[(?:ipv6:)?([^\]]+)\](?::(\d+))?$/i);
      if (literal)
        return { host: literal[1]!, literal: true, ...(literal[2] ? { port: Number(literal[2]) } : {}) };
      const named = item.match(/^([a-z0-9.-]+)(?::(\d+))?$/i);
      if (!named) throw new ConfigValueError(`invalid host "${item}" in smtp-hosts`);
      return { host: named[1]!, literal: false, ...(named[2] ? { port: Number(named[2]) } : {}) };
    }),
  );
}

const smtpHosts = (name: string) => ({
  parse: (node: DirectiveNode) =>
    parseSmtpHosts(node.words.length === 1 && node.words[0] === '' ? '' : wholeText(node)),
  default: [] as SmtpHost[][],
  acted: true,
  ...(name === 'route' ? { deprecated: 'use smtp-hosts' } : {}),
});

/** `source-ip-max-msg-rate 10.0.0.0/8 100/h`-style directives: per source-IP limits. */
function perSourceIp<T>(read: (t: string) => T) {
  return repeated((node): { cidr: Cidr; value: T } => {
    if (node.words.length !== 2) throw new ConfigValueError('expected a source IP or network and a value');
    return { cidr: parseCidr(node.words[0]!), value: read(node.words[1]!) };
  });
}

const dkimSign = () => ({
  parse: (node: DirectiveNode) => {
    const value = oneWord(node).toLowerCase();
    if (value === 'if-x-dkim-options-present') return value;
    if (['yes', 'true'].includes(value)) return true;
    if (['no', 'false'].includes(value)) return false;
    throw new ConfigValueError(`invalid value "${value}" (expected yes, no or if-x-dkim-options-present)`);
  },
  default: false as boolean | 'if-x-dkim-options-present',
  acted: false,
});

/** `bounce-upon-no-mx`: a boolean, or an interval (bounce only messages older than that). */
const bounceUponNoMx = () => ({
  parse: (node: DirectiveNode): boolean | number => {
    const value = oneWord(node);
    if (/^(yes|no|true|false)$/i.test(value)) return /^(yes|true)$/i.test(value);
    return intervalOrNever(0).parse(node, 0);
  },
  default: false as boolean | number,
  acted: false,
});

/** `dkim-headers From,/^X-/`: names or regexes. */
const headerList = () => ({
  parse: (node: DirectiveNode) =>
    parseList(wholeText(node)).map((h) => (h.startsWith('/') ? parseRegex(h) : h)),
  default: [] as Array<string | RegExp>,
  acted: false,
});

const dailyRates = () => ({
  parse: (node: DirectiveNode): Rate[] => parseList(wholeText(node)).map(parseRate),
  default: [] as Rate[],
  acted: false,
});

export const DOMAIN_DIRECTIVES = {
  // connections and rates
  'max-smtp-out': acted(int(20)),
  'max-msg-per-connection': acted(int(0)),
  'max-rcpt-per-transaction': acted(int(1000, 1)),
  'max-rcpt-per-message': int(1000, 1), // alias of max-rcpt-per-transaction in <domain>
  'max-errors-per-connection': int(0),
  'max-msg-rate': acted(rate()),
  'max-msg-per-hour': int(0), // older form of max-msg-rate N/h
  'backoff-max-msg-per-hour': int(0),
  'max-smtp-out-per-source-ip': int(0),
  'delivery-priority': int(50, 0, 100),
  'max-data-volume-rate': volumeRate(),
  'max-connect-rate': acted(rate()),
  'source-ip-max-msg-rate': perSourceIp(parseRate),
  'source-ip-max-connect-rate': perSourceIp(parseRate),
  'source-ip-max-smtp-out': perSourceIp((t) => parseInteger(t, 0)),
  'source-ip-max-data-volume-rate': perSourceIp(parseSize),
  'smtp-out-rampup-interval': interval(0),
  'connection-idle-timeout': acted(interval(0)),
  'queue-priority': acted(int(50, 0, 100)),
  'allow-priority-interruption': bool(true),
  'allow-priority-interruption-during-transfer': bool(false),
  // retries and expiry
  'bounce-after': acted(interval(4 * 86400 + 12 * 3600)),
  'retry-after': acted(intervalList([600])),
  'retry-recipients-after': acted(interval(600)),
  'retry-upon-new-mail': acted(bool(false)),
  'max-cold-virtual-mta-msg': dailyRates(),
  // routing
  type: oneOf(['smtp', 'pipe', 'file', 'discard', 'http-delivery'] as const, 'smtp'),
  'smtp-hosts': smtpHosts('smtp-hosts'),
  route: smtpHosts('route'),
  'default-smtp-port': acted(int(25, 1, 65535)),
  'queue-to': acted(word()),
  'disable-mx-rollup': acted(bool(false)),
  'smtp-pattern-list': acted(word()),
  'reroute-to-virtual-mta': word(),
  'bounce-upon-no-mx': bounceUponNoMx(),
  'bounce-upon-5xx-greeting': acted(bool(true)),
  'bounce-upon-transfer-failure': bool(false),
  'bounce-upon-pix-transfer-failure': bool(false),
  'assume-delivery-upon-data-termination-timeout': bool(false),
  'smtp-553-means-invalid-mailbox': bool(true),
  'smtp-421-means-mx-unavailable': bool(false),
  'replace-smtp-421-service-response': bool(false),
  'mx-connection-attempts': int(10),
  // timeouts
  'connect-timeout': acted(interval(120)),
  'smtp-greeting-timeout': acted(interval(300)),
  'data-send-timeout': acted(interval(180)),
  'smtp-data-termination-timeout': acted(interval(600)),
  // extensions
  'ignore-8bitmime': bool(false),
  'ignore-chunking': bool(false),
  'ignore-pipelining': bool(false),
  'ignore-dsn': bool(false),
  'allow-cancel-during-transfer': bool(true),
  'pix-bug-workaround': bool(true),
  // TLS (client side)
  'use-starttls': acted(bool(true)),
  'require-starttls': acted(bool(false)),
  'use-dane': bool(true),
  'reuse-ssl-session': bool(false),
  'smtp-tls-allow-sslv3': acted(bool(false)),
  'smtp-tls-allow-tlsv1': acted(bool(false)),
  'smtp-tls-allow-tlsv1.1': acted(bool(true)),
  'smtp-tls-allow-tlsv1.2': acted(bool(true)),
  'smtp-tls-allow-tlsv1.3': acted(bool(true)),
  'smtp-tls-ca-file': text(),
  'smtp-tls-ciphers': text(),
  'smtp-client-certificate': text(),
  // authentication to the next hop
  'auth-username': acted(text()),
  'auth-password': acted(text()),
  'use-unencrypted-plain-auth': bool(false),
  // DKIM (UG50 §3.3.10.19–30)
  'dkim-sign': acted(dkimSign()),
  'dkim-algorithm': acted(oneOf(['rsa-sha256', 'rsa-sha1'] as const, 'rsa-sha256')),
  'dkim-body-canon': acted(oneOf(['relaxed', 'simple'] as const, 'relaxed')),
  'dkim-headers-canon': acted(oneOf(['relaxed', 'simple'] as const, 'relaxed')),
  'dkim-add-body-limit': bool(false),
  'dkim-add-timestamp': acted(bool(false)),
  'dkim-expire-after': acted(intervalOrNever(Number.POSITIVE_INFINITY)),
  'dkim-query-method': text(),
  'dkim-headers': acted(headerList()),
  'dkim-identity': acted(text('sender-or-from')),
  'dkim-identity-fallback': text(),
  'dkim-disallow-adding-headers': bool(false),
  'second-dkim-sign': dkimSign(),
  'second-dkim-identity': text(),
  'second-dkim-algorithm': oneOf(['rsa-sha256', 'rsa-sha1'] as const, 'rsa-sha256'),
  // backoff mode (UG50 §10.3); undefined means "same as the normal-mode setting"
  'backoff-max-msg-rate': acted({ ...rate(), default: undefined as Rate | undefined }),
  'backoff-max-data-volume-rate': { ...volumeRate(), default: undefined as Rate | undefined },
  'backoff-max-connect-rate': acted({ ...rate(), default: undefined as Rate | undefined }),
  'backoff-max-smtp-out': acted(int(20)),
  'backoff-retry-after': acted(intervalList([3600])),
  'backoff-notify': list(),
  'backoff-reroute-to-virtual-mta': word(),
  'backoff-to-normal-after': acted(intervalOrNever(Number.POSITIVE_INFINITY)),
  'backoff-to-normal-after-delivery': acted(bool(false)),
  'backoff-upon-all-sources-disabled': bool(false),
  'reenable-source-ip-after': intervalOrNever(Number.POSITIVE_INFINITY),
  'disabled-source-ip-notify': list(),
  // accounting, DSNs and monitoring
  'track-recipient-events': bool(false),
  'max-events-recorded': int(10),
  'disable-acct-records': acted(list()),
  'notify-of-delay-every': intervalOrNever(4 * 3600),
  'dsn-format': oneOf(['standard', 'plain-text'] as const, 'standard'),
  'deliver-local-dsn': bool(true),
  'bcc-upon-delivery': text(),
  'discard-as-bounce': bool(false),
  'remove-header': acted(list()),
  'check-spf-outbound': bool(false),
  'log-commands': bool(false),
  'log-connections': bool(false),
  'log-data': bool(false),
  'log-resolution': bool(false),
  'log-transfer-failures': bool(false),
  'log-disabled-ips': bool(false),
  'log-tls': bool(false),
  'log-messages': bool(false),
  // other delivery types (accepted; Outpost delivers over SMTP only)
  'file-format': oneOf(['newfile-plain', 'newfile-pickup', 'append-mbox'] as const, 'newfile-plain'),
  'file-destination': text(),
  command: text(),
  'macro-variables-preserve-case': bool(false),
  'http-delivery-url': text(),
  'http-delivery-extra-headers': anyValue(),
  'add-x-msys-api-header': bool(false),
  'sparkpost-ip-pool': text(),
  'sparkpost-sandbox': bool(false),
};

export type DomainSettings = SettingsOf<typeof DOMAIN_DIRECTIVES>;
