// MX rollups (UG50 §10.17; powermta.md §6.4): domains whose best MX hosts belong to one provider share
// one queue, `NAME.rollup/vmta`, so connection and rate limits apply per provider rather than per
// domain. `<mx-rollup-list>` holds `mx HOST-PATTERN NAME.rollup` lines; a rollup applies when every
// pattern of that rollup matches one of the domain's lowest-preference MX hosts.
import type { MxRollup } from '../config/index.js';

function globRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
}

export class RollupMatcher {
  private readonly rollups: Array<{ queue: string; patterns: RegExp[] }>;

  constructor(entries: readonly MxRollup[]) {
    const byQueue = new Map<string, RegExp[]>();
    for (const entry of entries)
      byQueue.set(entry.queue, [...(byQueue.get(entry.queue) ?? []), globRegex(entry.mxPattern)]);
    this.rollups = [...byQueue].map(([queue, patterns]) => ({ queue, patterns }));
  }

  /** The rollup queue name for a domain whose best MX hosts are `hosts`, if any. */
  match(hosts: readonly string[]): string | undefined {
    const names = hosts.map((h) => h.toLowerCase().replace(/\.$/, ''));
    return this.rollups.find((r) => r.patterns.every((p) => names.some((h) => p.test(h))))?.queue;
  }
}
