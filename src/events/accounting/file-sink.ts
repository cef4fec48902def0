// Writes one <acct-file PATH>: dated files `acct-YYYY-MM-DD-NNNN.csv` beside PATH, a header line
// at the top of each, rotation at local midnight and at `max-size` (the -NNNN counter counts up),
// `move-to` every `move-interval`, `delete-after` for old files when nothing moves them
// (reference powermta.md §3.1). Lines are buffered and written in batches; `sync yes` fsyncs each batch.
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { AcctFileSettings } from '../../config/directives/blocks.js';
import type { Logger } from '../../logging.js';

export interface FileSinkOptions {
  path: string;
  header: string;
  settings: AcctFileSettings;
  log: Logger;
  now?: () => number;
}

const day = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export class AcctFileSink {
  private handle: FileHandle | undefined;
  private currentPath = '';
  private currentDay = '';
  private counter = 0;
  private size = 0;
  private openedAt = 0;
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private housekeeping: NodeJS.Timeout | undefined;
  private readonly dir: string;
  private readonly stem: string;
  private readonly ext: string;
  private readonly now: () => number;

  constructor(private readonly options: FileSinkOptions) {
    this.dir = dirname(options.path);
    this.ext = extname(options.path) || '.csv';
    this.stem = basename(options.path, extname(options.path));
    this.now = options.now ?? Date.now;
  }

  /** Files this sink writes or wrote, matched by name. */
  private ours(name: string): boolean {
    return (
      name.startsWith(`${this.stem}-`) && name.endsWith(this.ext) && /-\d{4}-\d{2}-\d{2}-\d{4}/.test(name)
    );
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.openFile();
    this.housekeeping = setInterval(() => void this.housekeep(), 60_000);
    this.housekeeping.unref();
    await this.housekeep();
  }

  write(line: string): void {
    this.pending.push(line);
    if (!this.flushing)
      this.flushing = new Promise((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Closes the current file and starts the next one (`outpost rotate acct`). */
  async rotate(): Promise<void> {
    await this.drain();
    await this.closeFile();
    await this.openFile();
  }

  async stop(): Promise<void> {
    if (this.housekeeping) clearInterval(this.housekeeping);
    await this.drain();
    await this.closeFile();
  }

  /** Waits until every line written so far is in the file. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await this.rollIfDue();
        const batch = this.pending.join('');
        this.pending = [];
        await this.handle!.write(batch);
        this.size += Buffer.byteLength(batch);
        if (this.options.settings.sync) await this.handle!.sync();
      }
    } catch (error) {
      this.options.log.error(
        { err: error, file: this.currentPath },
        `Error writing to "${this.currentPath}"`,
      );
    } finally {
      this.flushing = undefined;
    }
  }

  private async rollIfDue(): Promise<void> {
    const s = this.options.settings;
    const moveDue = s['move-to'] !== undefined && this.now() - this.openedAt >= s['move-interval'] * 1000;
    if (day(this.now()) !== this.currentDay || this.size >= s['max-size'] || moveDue) {
      await this.closeFile();
      await this.openFile();
    }
  }

  private async openFile(): Promise<void> {
    const today = day(this.now());
    // Moved files count too, so a restart never reuses a name that already sits in move-to.
    const moveTo = this.options.settings['move-to'];
    const names = [...(await readdir(this.dir)), ...(moveTo ? await readdir(moveTo).catch(() => []) : [])];
    const existing = names.filter((n) => this.ours(n) && n.includes(today));
    const highest = Math.max(
      -1,
      ...existing.map((n) => Number(n.slice(-this.ext.length - 4, -this.ext.length))),
    );
    this.counter = today === this.currentDay ? Math.max(this.counter + 1, highest + 1) : highest + 1;
    this.currentDay = today;
    this.currentPath = join(
      this.dir,
      `${this.stem}-${today}-${String(this.counter).padStart(4, '0')}${this.ext}`,
    );
    this.handle = await open(this.currentPath, 'a', this.options.settings['world-readable'] ? 0o644 : 0o640);
    this.openedAt = this.now();
    await this.handle.write(this.options.header);
    this.size = Buffer.byteLength(this.options.header);
  }

  private async closeFile(): Promise<void> {
    if (!this.handle) return;
    await this.handle.sync();
    await this.handle.close();
    this.handle = undefined;
    const moveTo = this.options.settings['move-to'];
    if (moveTo) {
      await mkdir(moveTo, { recursive: true });
      await rename(this.currentPath, join(moveTo, basename(this.currentPath)));
    }
  }

  /** delete-after applies only when move-to is not set: moved files belong to whoever reads them. */
  private async housekeep(): Promise<void> {
    const s = this.options.settings;
    if (s['move-to'] !== undefined || !Number.isFinite(s['delete-after'])) return;
    const cutoff = this.now() - s['delete-after'] * 1000;
    for (const name of (await readdir(this.dir)).filter((n) => this.ours(n))) {
      const path = join(this.dir, name);
      if (path === this.currentPath) continue;
      const { mtimeMs } = await stat(path);
      if (mtimeMs < cutoff) await unlink(path).catch(() => {});
    }
  }
}
