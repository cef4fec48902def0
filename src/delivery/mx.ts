// Where a queue's mail goes: `smtp-hosts` when configured (treated "exactly as though those hosts had
// been obtained from MX records", UG50 §3.3.10.89), otherwise the domain's MX records by preference,
// with the A/AAAA fallback of RFC 5321 §5.1, null MX (RFC 7505) as a permanent failure, and DNS
// trouble as a transient one. The resolver is injected, so tests can run a DNS server of their own.
import { Resolver as DnsResolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DomainSettings, SmtpHost } from '../config/index.js';

export interface Resolver {
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

/** A resolver for `<outpost> dns-server host:port` / `name-server` entries, or the system's. */
export function createResolver(servers: Array<{ host: string; port: number }> = []): Resolver {
  const resolver = new DnsResolver({ timeout: 3000, tries: 2 });
  if (servers.length > 0) {
    resolver.setServers(
      servers.map((s) => (isIP(s.host) === 6 ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)),
    );
  }
  return resolver;
}

export interface NextHop {
  /** The name as routed (an MX exchange or an smtp-hosts entry), for `dsnMta`. */
  host: string;
  port: number;
  addresses: string[];
}

export type Route =
  | { ok: true; levels: NextHop[][]; implicitMx: boolean }
  | { ok: false; permanent: boolean; status: string; text: string };

const dnsCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? '';
/** No such domain or no records of that type: answers, not failures. */
const isAnswer = (code: string) => code === 'ENOTFOUND' || code === 'ENODATA';

async function addressesOf(resolver: Resolver, host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const found = [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ];
  if (found.length === 0) {
    const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [dnsCode(r.reason)] : []));
    if (errors.some((c) => !isAnswer(c)))
      throw Object.assign(new Error(`cannot resolve ${host}`), { code: errors[0] });
  }
  return found;
}

/** Groups MX records by preference (lowest first); hosts of one level are shuffled for round-robin. */
function byPreference(records: Array<{ exchange: string; priority: number }>): string[][] {
  const levels = new Map<number, string[]>();
  for (const r of records)
    levels.set(r.priority, [...(levels.get(r.priority) ?? []), r.exchange.replace(/\.$/, '')]);
  return [...levels.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, hosts]) => hosts.sort(() => Math.random() - 0.5));
}

async function resolveLevels(
  resolver: Resolver,
  levels: Array<Array<{ host: string; port: number }>>,
): Promise<NextHop[][]> {
  const resolved: NextHop[][] = [];
  let transient: unknown;
  for (const level of levels) {
    const hops: NextHop[] = [];
    for (const { host, port } of level) {
      try {
        const addresses = await addressesOf(resolver, host);
        if (addresses.length > 0) hops.push({ host, port, addresses });
      } catch (error) {
        transient = error;
      }
    }
    if (hops.length > 0) resolved.push(hops);
  }
  if (resolved.length === 0 && transient) throw transient;
  return resolved;
}

async function mxLevels(resolver: Resolver, domain: string, port: number): Promise<Route> {
  let records: Array<{ exchange: string; priority: number }>;
  try {
    records = await resolver.resolveMx(domain);
  } catch (error) {
    const code = dnsCode(error);
    if (code === 'ENOTFOUND')
      return { ok: false, permanent: true, status: '5.1.2', text: `no such domain: ${domain}` };
    if (code !== 'ENODATA')
      return {
        ok: false,
        permanent: false,
        status: '4.4.3',
        text: `DNS lookup of ${domain} failed (${code})`,
      };
    records = [];
  }
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    return { ok: false, permanent: true, status: '5.1.10', text: `${domain} does not accept mail (null MX)` };
  }
  const implicitMx = records.length === 0;
  const levels = implicitMx ? [[domain]] : byPreference(records);
  const hops = await resolveLevels(
    resolver,
    levels.map((l) => l.map((host) => ({ host, port }))),
  );
  if (hops.length === 0) {
    return implicitMx
      ? { ok: false, permanent: true, status: '5.1.2', text: `${domain} has no MX and no address records` }
      : { ok: false, permanent: false, status: '4.4.4', text: `no MX host of ${domain} has an address` };
  }
  return { ok: true, levels: hops, implicitMx };
}

/** The next hops for one queue, best first. Never throws: failures come back as a Route. */
export async function resolveRoute(
  resolver: Resolver,
  domain: string,
  settings: DomainSettings,
): Promise<Route> {
  const port = settings['default-smtp-port'];
  const hosts: SmtpHost[][] = settings['smtp-hosts'].length > 0 ? settings['smtp-hosts'] : settings.route;
  try {
    const literal = domain.match(/^\[(?:ipv6:)?([^\]]+)\]$/i);
    if (literal && hosts.length === 0)
      return {
        ok: true,
        levels: [[{ host: literal[1]!, port, addresses: [literal[1]!] }]],
        implicitMx: false,
      };
    if (hosts.length === 0) return await mxLevels(resolver, domain, port);
    const levels: NextHop[][] = [];
    for (const level of hosts) {
      for (const entry of level.filter((h) => h.lookupMx)) {
        const route = await mxLevels(resolver, entry.lookupMx!, entry.port ?? port);
        if (route.ok) levels.push(...route.levels);
      }
      const direct = level.filter((h) => !h.lookupMx).map((h) => ({ host: h.host, port: h.port ?? port }));
      if (direct.length > 0) levels.push(...(await resolveLevels(resolver, [direct])));
    }
    if (levels.length === 0)
      return {
        ok: false,
        permanent: false,
        status: '4.4.4',
        text: `no smtp-hosts entry for ${domain} resolved`,
      };
    return { ok: true, levels, implicitMx: false };
  } catch (error) {
    return {
      ok: false,
      permanent: false,
      status: '4.4.3',
      text: `DNS lookup failed (${dnsCode(error) || (error as Error).message})`,
    };
  }
}
