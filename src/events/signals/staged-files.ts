// The staging directory's files. PowerMTA stages Signals events as `sp1-<16 hex digits>.json`, one
// event per line. Ours are named from the creation time (ms, shifted left 16 bits, plus a counter),
// so names sort in creation order: uploads and min-free-space deletions take the oldest first by
// sorting names, and a name says how old its file is. The file being written is `NAME.tmp` until it
// is complete, so the uploader never sees a half-written file.
import { readdir, readFile } from 'node:fs/promises';

export const STAGED_NAME = /^sp1-[0-9a-f]{16}\.json$/;
export const OPEN_SUFFIX = '.tmp';
/** A file being replaced by its unsent remainder; left over only by a crash, and then stale. */
export const REWRITE_SUFFIX = '.rewrite';

export class FileNamer {
  private last = 0n;

  constructor(private readonly now: () => number) {}

  /** Never hands out a name at or below one already on disk, even if the clock went back. */
  seen(name: string): void {
    const value = BigInt(`0x${name.slice(4, 20)}`);
    if (value > this.last) this.last = value;
  }

  next(): string {
    const fromClock = BigInt(Math.max(0, Math.floor(this.now()))) << 16n;
    this.last = fromClock > this.last ? fromClock : this.last + 1n;
    return `sp1-${this.last.toString(16).padStart(16, '0')}.json`;
  }
}

/** When the file was created (ms since the epoch), read from its name. */
export function createdAt(name: string): number {
  return Number(BigInt(`0x${name.slice(4, 20)}`) >> 16n);
}

/** Staged (complete) files, oldest first. */
export async function listStaged(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => STAGED_NAME.test(name)).sort();
}

export function countLines(data: Buffer): number {
  let count = 0;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) count++;
  return count;
}

/** Events in a staged file, or 0 when it is already gone. */
export async function countEvents(path: string): Promise<number> {
  try {
    return countLines(await readFile(path));
  } catch {
    return 0;
  }
}
