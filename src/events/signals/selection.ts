// Which events Signals hears about, and under which subaccount (powermta.md §2.12, UG50 §10.1.4):
// - enable-signals of the VirtualMTA beats its pool's, which beats the global one; with a <signals>
//   block and no enable-signals anywhere, everything is reported.
// - `enable-signals FILTER` hands the choice to a <signals-filter>: its sender-or-from rules match
//   the domain of the Sender: header, else From:, the most specific pattern first.
// - The subaccount: the one the producer set (the listener reads X-SP-Subaccount-ID under
//   process-x-sp-subaccount-id; mailmerge), else that header among the event's headers when
//   process-x-sp-subaccount-id is on, else the config's `true,subaccount=N` or the filter rule's, else 0.
// - Mail received for the bounce and feedback-loop processors is not sending: its reception is not
//   an injection. The reports it carries reach Signals as out_of_band and spam_complaint events.
import {
  type DomainPattern,
  domainMatches,
  domainSpecificity,
  type EnableSignals,
  type OutpostConfig,
  parseDomainPattern,
  type SignalsFilterRule,
} from '../../config/index.js';
import { processorFor, type RelayRules, relayRulesFrom } from '../../smtp/relay.js';
import type { OutpostEvent } from '../record.js';

/** Where the message went, as Signals reports it (ip_pool = VirtualMTA pool, sending_ip = smtp-source-host). */
export interface Route {
  enable: EnableSignals;
  binding?: string;
  bindingGroup?: string;
  ipPool?: string;
  sourceIp?: string;
}

export interface Selected {
  route: Route;
  subaccountId: number;
}

interface CompiledRule extends SignalsFilterRule {
  compiled: DomainPattern;
}

const MAX_CACHED = 10_000;
const SUBACCOUNT_HEADER = 'x-sp-subaccount-id';

export class SignalsSelector {
  private readonly routes = new Map<string, Route>();
  private readonly filters = new Map<string, CompiledRule[]>();
  private readonly filterCache = new Map<string, CompiledRule | null>();
  private readonly processHeader: boolean;
  private readonly processorAddresses: RelayRules;

  constructor(private readonly config: OutpostConfig) {
    this.processHeader = config.signals?.['process-x-sp-subaccount-id'] ?? false;
    this.processorAddresses = relayRulesFrom(config);
    for (const [name, rules] of config.signalsFilters) {
      const compiled = rules.map((rule) => ({ ...rule, compiled: parseDomainPattern(rule.pattern) }));
      // Most specific first; equal ones keep file order (PowerMTA's examples list specific first).
      compiled.sort((a, b) => domainSpecificity(b.compiled) - domainSpecificity(a.compiled));
      this.filters.set(name, compiled);
    }
  }

  /** The route and subaccount of a reported event; undefined when Signals must not hear of it. */
  select(event: OutpostEvent): Selected | undefined {
    if (event.type === 'reception' && processorFor(this.processorAddresses, event.rcpt)) return undefined;
    const route = this.routeOf(event.vmta, event.vmtaPool);
    let configured = route.enable.subaccount;
    if (!route.enable.enabled) return undefined;
    if (route.enable.filter !== undefined) {
      const rule = this.filterRule(route.enable.filter, sendingDomain(event));
      if (!rule?.enabled) return undefined;
      configured = rule.subaccount;
    }
    const fromHeader = this.processHeader ? headerSubaccount(event) : undefined;
    return { route, subaccountId: event.subaccountId ?? fromHeader ?? configured ?? 0 };
  }

  routeOf(vmtaOrPool: string | undefined, poolName: string | undefined): Route {
    const key = `${vmtaOrPool ?? ''}\u0000${poolName ?? ''}`;
    let route = this.routes.get(key);
    if (!route) {
      route = this.resolveRoute(vmtaOrPool, poolName);
      if (this.routes.size >= MAX_CACHED) this.routes.clear();
      this.routes.set(key, route);
    }
    return route;
  }

  private resolveRoute(vmtaOrPool: string | undefined, poolName: string | undefined): Route {
    const c = this.config;
    // Reception records carry the pool's name in `vmta` when a pool was selected (powermta.md §3.3).
    const vmta = vmtaOrPool !== undefined ? c.virtualMtas.get(vmtaOrPool) : undefined;
    const poolKey =
      poolName ??
      (vmtaOrPool !== undefined && c.pools.has(vmtaOrPool) ? vmtaOrPool : undefined) ??
      (vmta
        ? [...c.pools.values()].find((p) => p.settings['virtual-mta'].includes(vmta.name))?.name
        : undefined);
    const pool = poolKey !== undefined ? c.pools.get(poolKey) : undefined;
    const enable = vmta?.settings['enable-signals'] ??
      pool?.settings['enable-signals'] ??
      c.global['enable-signals'] ?? { enabled: true };
    const member = vmta ?? c.virtualMtas.get(pool?.settings['virtual-mta'][0] ?? '');
    const sourceHost = member?.settings['smtp-source-host'][0] ?? c.global['smtp-source-host'][0];
    return {
      enable,
      binding: vmta?.name,
      bindingGroup: pool?.name,
      ipPool: pool?.name ?? vmta?.name,
      sourceIp: sourceHost?.ip,
    };
  }

  private filterRule(name: string, domain: string | undefined): CompiledRule | undefined {
    const key = `${name}\u0000${domain ?? ''}`;
    const cached = this.filterCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const rules = this.filters.get(name) ?? [];
    // Without a sending domain only `*` can match.
    const rule = rules.find((r) =>
      domain === undefined ? r.compiled.kind === 'any' : domainMatches(r.compiled, domain),
    );
    if (this.filterCache.size >= MAX_CACHED) this.filterCache.clear();
    this.filterCache.set(key, rule ?? null);
    return rule;
  }
}

/** The domain of the Sender: header, else of From: (UG50 §10.1.4.3). */
export function sendingDomain(event: OutpostEvent): string | undefined {
  const address = event.headerSender || event.headerFrom;
  const at = address?.lastIndexOf('@') ?? -1;
  return at >= 0 ? address!.slice(at + 1).replace(/>.*$/, '') : undefined;
}

/** X-SP-Subaccount-ID: an unsigned integer above 0, anything else is ignored (UG50 §10.1.4.2.5). */
function headerSubaccount(event: OutpostEvent): number | undefined {
  const value = headerValue(event, SUBACCOUNT_HEADER)?.trim();
  if (!value || !/^\d{1,15}$/.test(value)) return undefined;
  const id = Number(value);
  return id > 0 ? id : undefined;
}

export function headerValue(event: OutpostEvent, lowerName: string): string | undefined {
  if (!event.headers) return undefined;
  for (const [name, value] of event.headers) {
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return value;
  }
  return undefined;
}
