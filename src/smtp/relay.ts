// Relaying control (powermta.md §2.5; UG50 §3.3.1.32). A recipient is accepted from anyone when it is
// ours: its domain matches a `relay-domain` pattern or is one of our `host-name`s, it matches a
// `relay-address`, or it is in the `<address-list>` of the bounce or feedback-loop processor. A
// client whose source has `always-allow-relaying` (by IP, listener or after AUTH) may send anywhere.
//
// The decision is a pure function of the parsed mailbox so it can be tested on its own against the
// classic relay tricks. Comparisons use the canonical domain (lower case, A-labels, no trailing
// dot); the source route, which RFC 5321 §3.6.1 says to ignore, is ignored. Local parts that other
// MTAs may still route on (`user%other@ours`, `other!user@ours`, `"user@other"@ours`) are refused
// for unauthorised clients even when the domain is ours, because the next hop might forward them.
import type { OutpostConfig } from '../config/index.js';
import { type DomainPattern, domainMatches, normalizeDomain } from '../config/index.js';
import { type Mailbox, parseMailbox } from './address.js';

export type RelayReason =
  | 'always-allow-relaying'
  | 'host-name'
  | 'relay-domain'
  | 'relay-address'
  | 'bounce-processor'
  | 'feedback-loop-processor';

export type RelayVerdict =
  | { allowed: true; reason: RelayReason }
  | { allowed: false; reason: 'not-ours' | 'routing-local-part' };

interface AddressMatcher {
  domains: Set<string>;
  addresses: Set<string>;
  patterns: RegExp[];
}

export interface RelayRules {
  hostNames: Set<string>;
  relayDomains: DomainPattern[];
  relayAddresses: AddressMatcher;
  processors: Array<{ reason: 'bounce-processor' | 'feedback-loop-processor'; match: AddressMatcher }>;
}

function matcher(domains: string[], addresses: Array<string | RegExp>): AddressMatcher {
  return {
    domains: new Set(domains.map(normalizeDomain)),
    addresses: new Set(
      addresses.filter((a): a is string => typeof a === 'string').map((a) => canonicalText(a)),
    ),
    patterns: addresses.filter((a): a is RegExp => a instanceof RegExp),
  };
}

/** `Local@Domain.` → `local@domain`: our own addresses match without regard to case. */
function canonicalText(address: string): string {
  const at = address.lastIndexOf('@');
  const text = at < 0 ? address : `${address.slice(0, at)}@${normalizeDomain(address.slice(at + 1))}`;
  return text.toLowerCase();
}

export function relayRulesFrom(config: OutpostConfig): RelayRules {
  const processors: RelayRules['processors'] = [];
  const add = (reason: RelayRules['processors'][number]['reason'], p: OutpostConfig['bounceProcessor']) => {
    if (p) processors.push({ reason, match: matcher(p.addresses.domains, p.addresses.addresses) });
  };
  add('bounce-processor', config.bounceProcessor);
  add('feedback-loop-processor', config.feedbackLoopProcessor);
  return {
    hostNames: new Set(config.global['host-name'].map(normalizeDomain)),
    relayDomains: config.global['relay-domain'],
    relayAddresses: matcher([], config.global['relay-address']),
    processors,
  };
}

function matches(m: AddressMatcher, mailbox: Mailbox, address: string): boolean {
  if (m.domains.has(mailbox.canonicalDomain)) return true;
  if (m.addresses.has(address.toLowerCase())) return true;
  return m.patterns.some((re) => re.test(address));
}

/** Whether `mailbox` may be accepted; `mayRelay` is the source's `always-allow-relaying`. */
export function decideRelay(rules: RelayRules, mailbox: Mailbox, mayRelay: boolean): RelayVerdict {
  if (mayRelay) return { allowed: true, reason: 'always-allow-relaying' };
  const unquoted = mailbox.quoted ? mailbox.local.slice(1, -1) : mailbox.local;
  if (/[%!@]/.test(unquoted)) return { allowed: false, reason: 'routing-local-part' };
  const address = `${mailbox.local}@${mailbox.canonicalDomain}`;
  if (!mailbox.literal && rules.hostNames.has(mailbox.canonicalDomain)) {
    return { allowed: true, reason: 'host-name' };
  }
  if (rules.relayDomains.some((p) => domainMatches(p, mailbox.canonicalDomain))) {
    return { allowed: true, reason: 'relay-domain' };
  }
  if (matches(rules.relayAddresses, mailbox, address)) return { allowed: true, reason: 'relay-address' };
  for (const processor of rules.processors) {
    if (matches(processor.match, mailbox, address)) return { allowed: true, reason: processor.reason };
  }
  return { allowed: false, reason: 'not-ours' };
}

/** Which processor, if any, takes mail for `address` (its <address-list> names it). */
export function processorFor(
  rules: RelayRules,
  address: string,
): 'bounce-processor' | 'feedback-loop-processor' | undefined {
  // Asked for every accepted recipient and every reception event: with no processor, no parsing.
  if (rules.processors.length === 0) return undefined;
  let mailbox: Mailbox;
  try {
    mailbox = parseMailbox(address);
  } catch {
    return undefined;
  }
  const canonical = `${mailbox.local}@${mailbox.canonicalDomain}`;
  return rules.processors.find((p) => matches(p.match, mailbox, canonical))?.reason;
}
