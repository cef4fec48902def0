// Cross-reference checks after the whole file is read: names that must exist, names that must not
// collide, and the few rules that span blocks (powermta.md §1.5, §2.6, §2.12).
import { TrackingConfigError, trackingWarnings } from '../tracking/settings.js';
import type { Position } from './diagnostics.js';
import type { OutpostConfig } from './model.js';
import { parseDomainPattern } from './patterns.js';

interface Reporter {
  error(pos: Position, message: string): void;
  warning(pos: Position, message: string): void;
}

const SPARKPOST_HOSTS = /(^|\.)sparkpost\.com$/i;

/** The host of an http(s) URL; undefined for anything else. */
function uploadHost(url: string | undefined): string | undefined {
  try {
    const parsed = url ? new URL(url) : undefined;
    return parsed && /^https?:$/.test(parsed.protocol) ? parsed.hostname : undefined;
  } catch {
    return undefined;
  }
}

export function validate(c: OutpostConfig, r: Reporter): void {
  const vmtaOrPool = (name: string) => c.virtualMtas.has(name) || c.pools.has(name);

  for (const [name, pool] of c.pools) {
    if (c.virtualMtas.has(name))
      r.error(pool.pos, `"${name}" names both a <virtual-mta> and a <virtual-mta-pool>`);
    for (const member of pool.settings['virtual-mta']) {
      if (!c.virtualMtas.has(member))
        r.error(pool.pos, `<virtual-mta-pool ${name}> lists unknown virtual-mta "${member}"`);
    }
  }

  // A VMTA inherits <domain> settings from its pool, so two pools with <domain>s are ambiguous (UG50 §3.3.13.2).
  for (const vmta of c.virtualMtas.values()) {
    const pools = [...c.pools.values()].filter(
      (p) => p.domains.length > 0 && p.settings['virtual-mta'].includes(vmta.name),
    );
    if (pools.length > 1) {
      r.error(
        vmta.pos,
        `virtual-mta "${vmta.name}" is in two pools that both define <domain> (${pools.map((p) => p.name).join(', ')})`,
      );
    }
  }

  const sourceRules = [...c.sources.byAddress, ...c.sources.named.values()];
  for (const rule of sourceRules) {
    const s = rule.settings;
    const vmta = s['default-virtual-mta'];
    if (vmta && vmta !== 'by-smtp-source-ip' && !vmtaOrPool(vmta)) {
      r.error(
        rule.pos,
        `<source ${rule.name}> default-virtual-mta "${vmta}" is neither a virtual-mta nor a pool`,
      );
    }
    if (s['rewrite-list'] && !c.rewriteLists.has(s['rewrite-list'])) {
      r.error(rule.pos, `<source ${rule.name}> uses unknown rewrite-list "${s['rewrite-list']}"`);
    }
    if (s['pattern-list'] && !c.patternLists.has(s['pattern-list'])) {
      r.error(rule.pos, `<source ${rule.name}> uses unknown pattern-list "${s['pattern-list']}"`);
    }
    for (const list of s['suppression-lists'] ?? []) {
      if (!c.addressLists.has(list))
        r.error(rule.pos, `<source ${rule.name}> uses unknown suppression list "${list}"`);
    }
  }

  for (const listener of c.listeners) {
    if (listener.source && !c.sources.named.has(listener.source)) {
      r.error(
        listener.pos,
        `smtp-listener ${listener.host}:${listener.port} names unknown source "${listener.source}"`,
      );
    }
  }
  for (const user of c.smtpUsers.values()) {
    const source = user.settings.source;
    if (source && !c.sources.named.has(source))
      r.error(user.pos, `<smtp-user ${user.name}> names unknown source "${source}"`);
  }

  const allDomainRules = [
    ...c.domains,
    ...[...c.virtualMtas.values()].flatMap((v) => v.domains),
    ...[...c.pools.values()].flatMap((p) => p.domains),
  ];
  for (const rule of allDomainRules) {
    const list = rule.settings['smtp-pattern-list'];
    if (list && !c.smtpPatternLists.has(list)) r.error(rule.pos, `unknown smtp-pattern-list "${list}"`);
    for (const key of ['reroute-to-virtual-mta', 'backoff-reroute-to-virtual-mta'] as const) {
      const target = rule.settings[key];
      if (target && !c.virtualMtas.has(target)) r.error(rule.pos, `${key} "${target}" is not a virtual-mta`);
    }
  }

  const signalsScopes = [
    c.global['enable-signals'],
    ...[...c.virtualMtas.values()].map((v) => v.settings['enable-signals']),
    ...[...c.pools.values()].map((p) => p.settings['enable-signals']),
  ];
  for (const value of signalsScopes) {
    if (value?.filter && value.pos && !c.signalsFilters.has(value.filter)) {
      r.error(value.pos, `enable-signals names unknown signals-filter "${value.filter}"`);
    }
  }

  for (const acct of c.acctFiles) {
    for (const entry of acct.settings['queue-filter']) {
      try {
        parseDomainPattern((entry.startsWith('!') ? entry.slice(1) : entry).split('/')[0] || '*');
      } catch (error) {
        r.error(acct.pos, `queue-filter: ${(error as Error).message}`);
      }
    }
  }

  if (c.signals) {
    const key = c.signals['api-key'];
    const host = uploadHost(c.signals['upload-url']);
    if (!host)
      r.error(c.signals.pos, `<signals> upload-url "${c.signals['upload-url']}" is not an http(s) URL`);
    // SparkPost keys are 40 hex digits (UG50 §10.1.4.2); our own server issues its own keys.
    if (key && host && SPARKPOST_HOSTS.test(host) && !/^[0-9a-f]{40}$/i.test(key)) {
      r.error(
        c.signals.pos,
        'api-key must be a SparkPost API key (40 hexadecimal digits) when uploading to SparkPost',
      );
    }
    validateTracking(c, c.signals.pos, r);
  }
}

function validateTracking(c: OutpostConfig, pos: Position, r: Reporter): void {
  try {
    for (const warning of trackingWarnings(c)) r.warning(pos, warning);
  } catch (error) {
    if (!(error instanceof TrackingConfigError)) throw error;
    r.error(pos, error.message);
  }
}
