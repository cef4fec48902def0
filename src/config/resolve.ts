// Settings resolution: which <source> and <domain> settings apply to one connection or one queue
// (powermta.md §1.5). Later modules call these; they never walk the rules themselves.
import { DOMAIN_DIRECTIVES, type DomainSettings } from './directives/domain.js';
import { SOURCE_DIRECTIVES, type SourceSettings } from './directives/source.js';
import type { DomainRule, OutpostConfig, SourceRule, VirtualMtaPool } from './model.js';
import { cidrContains, domainMatches, domainSpecificity, normalizeDomain } from './patterns.js';
import { defaultsOf } from './spec.js';

export interface SourceContext {
  /** The client's address as the socket reports it (v4-mapped IPv6 is fine). */
  ip: string;
  /** Named source of the listener the client connected to (`smtp-listener … source=NAME`). */
  listenerSource?: string;
  /** Set once SMTP AUTH succeeded: the user name. */
  user?: string;
}

/**
 * Address rules from general to specific (`0/0` → `10/8` → `10.1.2.3`), then the listener's named
 * source, then after AUTH the user's own source or `{auth}`: each layer overrides the one before.
 */
export function sourceSettingsFor(config: OutpostConfig, context: SourceContext): SourceSettings {
  const layers: SourceRule[] = config.sources.byAddress
    .filter((rule) => rule.cidr && cidrContains(rule.cidr, context.ip))
    .sort((a, b) => a.cidr!.prefix - b.cidr!.prefix);
  const named = (name: string | undefined) => (name ? config.sources.named.get(name) : undefined);
  const listener = named(context.listenerSource);
  if (listener) layers.push(listener);
  if (context.user !== undefined) {
    const userSource = config.smtpUsers.get(context.user)?.settings.source;
    const auth = named(userSource) ?? named('{auth}');
    if (auth) layers.push(auth);
  }
  return Object.assign(defaultsOf(SOURCE_DIRECTIVES), ...layers.map((l) => l.settings));
}

/** The pool a VirtualMTA inherits <domain> settings from (validation allows at most one). */
export function poolWithDomainsOf(config: OutpostConfig, vmta: string): VirtualMtaPool | undefined {
  for (const pool of config.pools.values()) {
    if (pool.domains.length > 0 && pool.settings['virtual-mta'].includes(vmta)) return pool;
  }
  return undefined;
}

const cache = new WeakMap<OutpostConfig, Map<string, DomainSettings>>();

/**
 * Settings of the queue `domain/vmta`. Matching <domain> rules are merged from general to specific;
 * at equal specificity a VirtualMTA's rule beats its pool's, which beats a global one, and an
 * explicitly written domain beats one expanded from a domain-macro. (PowerMTA documents
 * "most specific wins" and "a VMTA's <domain> inherits from its pool's, then the global ones";
 * ordering by specificity first is our reading of the two together.)
 */
export function domainSettingsFor(config: OutpostConfig, domain: string, vmta?: string): DomainSettings {
  const key = `${normalizeDomain(domain)}/${vmta ?? ''}`;
  let perConfig = cache.get(config);
  if (!perConfig) {
    perConfig = new Map();
    cache.set(config, perConfig);
  }
  const cached = perConfig.get(key);
  if (cached) return cached;

  const scoped: Array<{ rule: DomainRule; scope: number }> = config.domains.map((rule) => ({
    rule,
    scope: 0,
  }));
  if (vmta) {
    const pool = poolWithDomainsOf(config, vmta);
    if (pool) scoped.push(...pool.domains.map((rule) => ({ rule, scope: 1 })));
    scoped.push(...(config.virtualMtas.get(vmta)?.domains ?? []).map((rule) => ({ rule, scope: 2 })));
  }
  const layers = scoped
    .filter(({ rule }) => domainMatches(rule.pattern, domain))
    .sort(
      (a, b) =>
        domainSpecificity(a.rule.pattern) - domainSpecificity(b.rule.pattern) ||
        a.scope - b.scope ||
        Number(b.rule.fromMacro) - Number(a.rule.fromMacro),
    );
  const settings: DomainSettings = Object.assign(
    defaultsOf(DOMAIN_DIRECTIVES),
    ...layers.map((l) => l.rule.settings),
  );
  perConfig.set(key, settings);
  return settings;
}

/** Whether `name` selects a VirtualMTA, a pool, or nothing configured. */
export function virtualMtaKind(config: OutpostConfig, name: string): 'vmta' | 'pool' | undefined {
  if (config.virtualMtas.has(name)) return 'vmta';
  if (config.pools.has(name)) return 'pool';
  return undefined;
}
