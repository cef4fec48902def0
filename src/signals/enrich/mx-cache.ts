// Classifies custom recipient domains by their MX hosts, with a cache: one lookup per domain per
// day however many events name it, concurrent requests for one domain share a lookup, and a slow
// or failing DNS never holds ingest up for longer than the timeout (the domain is then "Other"
// for a short while and asked again later).
import { Resolver } from 'node:dns/promises';
import { type Provider, providerByDomain, providerByMx } from './providers.js';

/** Returns the MX host names of a domain (empty when it has none). Injected in tests. */
export type MxResolver = (domain: string) => Promise<string[]>;

export function systemMxResolver(servers?: Array<{ host: string; port: number }>): MxResolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (servers?.length)
    resolver.setServers(
      servers.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)),
    );
  return async (domain) => {
    try {
      return (await resolver.resolveMx(domain)).map((mx) => mx.exchange);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
      throw error;
    }
  };
}

export interface MxCacheOptions {
  resolve: MxResolver;
  now?: () => number;
  timeoutMs?: number;
  maxEntries?: number;
}

const DAY_MS = 86_400_000;
const RETRY_MS = 10 * 60_000;

export class MxProviderCache {
  private readonly entries = new Map<string, { provider: Provider; expires: number }>();
  private readonly inflight = new Map<string, Promise<Provider>>();
  private readonly now: () => number;
  /** Number of DNS lookups made (tests and metrics). */
  lookups = 0;

  constructor(private readonly options: MxCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The provider of a domain if known without waiting (table or fresh cache entry). */
  known(domain: string): Provider | undefined {
    const fixed = providerByDomain(domain);
    if (fixed) return fixed;
    const entry = this.entries.get(domain);
    return entry && entry.expires > this.now() ? entry.provider : undefined;
  }

  async provider(domain: string): Promise<Provider> {
    const known = this.known(domain);
    if (known) return known;
    let pending = this.inflight.get(domain);
    if (!pending) {
      pending = this.lookup(domain).finally(() => this.inflight.delete(domain));
      this.inflight.set(domain, pending);
    }
    return pending;
  }

  private async lookup(domain: string): Promise<Provider> {
    this.lookups += 1;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('MX lookup timed out')), this.options.timeoutMs ?? 2000);
    });
    let provider: Provider;
    let ttl = DAY_MS;
    try {
      provider = providerByMx(await Promise.race([this.options.resolve(domain), timeout]));
    } catch {
      provider = providerByMx([]);
      ttl = RETRY_MS;
    } finally {
      clearTimeout(timer);
    }
    if (this.entries.size >= (this.options.maxEntries ?? 100_000)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(domain, { provider, expires: this.now() + ttl });
    return provider;
  }
}
