// `<signals> min-free-space` (default 20M): when the file system holding the staging directory has
// less free space than that, PowerMTA deletes staged Signals files, losing their events, so that
// Signals never fills the disk the spool needs (powermta.md §2.12). We delete the oldest first, one
// at a time, until there is room again, and count every event lost.
import { statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { countEvents, listStaged } from './staged-files.js';

/** Bytes available to this process under `dir`. Injected in tests to play out a full disk. */
export type FreeSpaceProbe = (dir: string) => Promise<number>;

export const statfsProbe: FreeSpaceProbe = async (dir) => {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
};

export interface PruneResult {
  free: number;
  deleted: Array<{ name: string; events: number }>;
  /** Still below the limit with nothing left to delete: new events cannot be staged. */
  stillBelow: boolean;
}

export async function pruneForFreeSpace(options: {
  dir: string;
  minFreeBytes: number;
  probe: FreeSpaceProbe;
  /** Files that must stay (the one being uploaded right now). */
  keep: ReadonlySet<string>;
}): Promise<PruneResult> {
  const { dir, minFreeBytes, probe, keep } = options;
  let free = await probe(dir);
  const deleted: PruneResult['deleted'] = [];
  if (free >= minFreeBytes) return { free, deleted, stillBelow: false };
  for (const name of await listStaged(dir)) {
    if (keep.has(name)) continue;
    const path = join(dir, name);
    const events = await countEvents(path);
    try {
      await unlink(path);
    } catch {
      continue; // uploaded and deleted meanwhile
    }
    deleted.push({ name, events });
    free = await probe(dir);
    if (free >= minFreeBytes) return { free, deleted, stillBelow: false };
  }
  return { free, deleted, stillBelow: true };
}
