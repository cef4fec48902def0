// The ingest journal: every accepted batch is on disk (written, fsynced, renamed into place, the
// directory fsynced) before the client gets its 200, and stays there until the store has the
// batch's events. After a crash, start() finds what is left and processes it again; events already
// stored are then recognised by event_id, so replay never stores anything twice.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface JournalEntry {
  batch_id: string;
  /** Milliseconds since the epoch. */
  received_at: number;
  customer_id: number;
  /** The subaccount the key or header pinned the batch to. */
  subaccount?: number;
  file: string;
}

const SUFFIX = '.batch';

export class IngestJournal {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
  }

  /** Writes the batch durably; resolves only when a crash can no longer lose it. */
  async append(meta: Omit<JournalEntry, 'file' | 'batch_id'>, body: Buffer): Promise<JournalEntry> {
    const batch_id = randomUUID();
    // The name sorts by arrival, so replay keeps the original order.
    const name = `${String(Date.now()).padStart(15, '0')}-${batch_id}${SUFFIX}`;
    const entry: JournalEntry = { batch_id, ...meta, file: join(this.dir, name) };
    const header = Buffer.from(`${JSON.stringify({ ...entry, file: undefined })}\n`);
    const tmp = `${entry.file}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writev([header, body]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, entry.file);
    this.syncDir();
    return entry;
  }

  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async body(entry: JournalEntry): Promise<Buffer> {
    const data = await readFile(entry.file);
    return data.subarray(data.indexOf(10) + 1);
  }

  /** Batches accepted but not yet stored, oldest first (after a crash or an unclean stop). */
  async pending(): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for (const name of readdirSync(this.dir)
      .filter((n) => n.endsWith(SUFFIX))
      .sort()) {
      const file = join(this.dir, name);
      const data = await readFile(file);
      try {
        const header = JSON.parse(data.subarray(0, data.indexOf(10)).toString('utf8')) as JournalEntry;
        entries.push({ ...header, file });
      } catch {
        // A header we wrote ourselves cannot be half-written (rename is atomic); keep it for a human.
        await rename(file, `${file}.corrupt`).catch(() => undefined);
      }
    }
    return entries;
  }

  async remove(entry: JournalEntry): Promise<void> {
    await unlink(entry.file).catch(() => undefined);
  }
}
