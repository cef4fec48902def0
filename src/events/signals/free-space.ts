// `<signals> min-free-space` (default 20M): when the file system holding the staging directory has
// less free space than that, PowerMTA deletes staged Signals files, losing their events, so that
// Signals never fills the disk the spool needs (powermta.md §2.12). We delete the oldest first, one
// at a time, until there is room again, count every event lost, and stage nothing new while there
// is no room and nothing left to delete.
import { statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logging.js';
import { countEvents, listStaged } from './staged-files.js';
import type { SignalsStats } from './stats.js';

/** Bytes available to this process under `dir`. Injected in tests to play out a full disk. */
export type FreeSpaceProbe = (dir: string) => Promise<number>;

export const statfsProbe: FreeSpaceProbe = async (dir) => {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
};

export interface FreeSpaceGuardOptions {
  dir: string;
  minFreeBytes: number;
  probe: FreeSpaceProbe;
  log: Logger;
  stats: SignalsStats;
  /** Closes the file being written, so that it can be deleted too. */
  rollOpenFile: () => void;
  /** Files that must stay (the one being uploaded right now). */
  keep: ReadonlySet<string>;
}

export class FreeSpaceGuard {
  /** True while there is no room and nothing left to delete: new events are dropped. */
  full = false;
  private running: Promise<void> | undefined;

  constructor(private readonly o: FreeSpaceGuardOptions) {}

  /** Runs one check (or joins the one running). Never rejects: a failed check is logged. */
  check(): Promise<void> {
    this.running ??= this.prune()
      .catch((error: Error) =>
        this.o.log.error({ err: error }, `Signals: cannot check free space: ${error.message}`),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  get busy(): Promise<void> | undefined {
    return this.running;
  }

  private async prune(): Promise<void> {
    const { dir, minFreeBytes, probe, keep, log } = this.o;
    let free = await probe(dir);
    if (free < minFreeBytes) this.o.rollOpenFile();
    const deleted: Array<{ name: string; events: number }> = [];
    for (const name of free < minFreeBytes ? await listStaged(dir) : []) {
      if (keep.has(name)) continue;
      const events = await countEvents(join(dir, name));
      try {
        await unlink(join(dir, name));
      } catch {
        continue; // uploaded and deleted meanwhile
      }
      deleted.push({ name, events });
      free = await probe(dir);
      if (free >= minFreeBytes) break;
    }
    if (deleted.length > 0) {
      const events = deleted.reduce((sum, file) => sum + file.events, 0);
      this.o.stats.dropped.freeSpace += events;
      log.error(
        { deleted: deleted.map((f) => f.name) },
        `Signals: free space under ${dir} is ${mb(free)}, below min-free-space ${mb(minFreeBytes)}: ` +
          `deleted ${deleted.length} staged file(s), oldest first; ${events} event(s) dropped`,
      );
    }
    const full = free < minFreeBytes;
    if (full === this.full) return;
    this.full = full;
    if (full)
      log.error(
        'Signals: still below min-free-space with nothing left to delete: new events are dropped until there is room',
      );
    else log.warn('Signals: free space is back above min-free-space: staging resumed');
  }
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
