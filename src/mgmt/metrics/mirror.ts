// Counters whose values live elsewhere (the Signals connector's stats, the processors' counts):
// prom-client counters only go up by `inc`, so at each scrape the difference since the last one is
// added. A source that went backwards (a service rebuilt) adds nothing until it passes its old value.
import { Counter, type Registry } from 'prom-client';

export type Labelled = Array<[labels: Record<string, string>, value: number]>;

export function mirrorCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => Labelled,
): Counter<string> {
  const last = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = JSON.stringify(labels);
        const delta = value - (last.get(key) ?? 0);
        if (delta > 0) {
          this.inc(labels, delta);
          last.set(key, value);
        }
      }
    },
  });
}

/** At most `limit` distinct values for a label; the rest count as `other` (no unbounded series). */
export class LabelCap {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  value(text: string): string {
    if (this.seen.has(text)) return text;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(text);
    return text;
  }
}
