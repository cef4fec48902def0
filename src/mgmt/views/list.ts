// Filtering, sorting and cutting the lists (`--maxitems`, `--sort=name|rcpt|size`, `--paused`,
// `--connected`, `--mode`, `--errors`), as `pmta show queues|domains|…` takes them.
import { queuePatternMatches } from '../../queue/control.js';
import type { GroupRow, QueueRow } from './queues.js';

export interface ListOptions {
  maxitems: number;
  sort: 'name' | 'rcpt' | 'size';
}

export interface QueueFilter {
  queue?: string;
  vmta?: string;
  paused?: boolean;
  connected?: boolean;
  mode?: 'normal' | 'backoff';
  errors?: boolean;
}

export function filterQueues(rows: QueueRow[], f: QueueFilter): QueueRow[] {
  return rows.filter(
    (r) =>
      (f.queue === undefined || queuePatternMatches(f.queue, r.queue)) &&
      (f.vmta === undefined || r.vmta.toLowerCase() === f.vmta.toLowerCase()) &&
      (f.paused === undefined || r.paused === f.paused) &&
      (f.connected === undefined || r.conn > 0 === f.connected) &&
      (f.mode === undefined || r.mode === f.mode) &&
      (!f.errors || r.lastError !== undefined),
  );
}

/** Sorted (rcpt and size biggest first, name alphabetical), at most `maxitems`; `total` before the cut. */
export function sortAndCut<T extends { rcp: number; kb: number }>(
  rows: T[],
  name: (row: T) => string,
  options: ListOptions,
): { items: T[]; total: number } {
  const by: Record<ListOptions['sort'], (a: T, b: T) => number> = {
    name: (a, b) => name(a).localeCompare(name(b)),
    rcpt: (a, b) => b.rcp - a.rcp || name(a).localeCompare(name(b)),
    size: (a, b) => b.kb - a.kb || name(a).localeCompare(name(b)),
  };
  const sorted = [...rows].sort(by[options.sort]);
  return { items: options.maxitems > 0 ? sorted.slice(0, options.maxitems) : sorted, total: rows.length };
}

export const groupName = (g: GroupRow) => g.name;
export const queueName = (q: QueueRow) => q.queue;
