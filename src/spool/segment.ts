// One spool segment: an append-only `.msgs` file of message records and its `.done` file of
// recipient outcomes for the messages that live in it. A segment never refers to another one, so
// it can be deleted as soon as none of its messages is live, in any order.
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const segmentName = (seq: number) => String(seq).padStart(10, '0');
export const SEGMENT_FILE = /^(\d{10})\.(msgs|done)$/;

/** Appends waiting in the current batch for one file. */
interface PendingWrites {
  buffers: Buffer[];
  position: number;
}

export class SpoolFile {
  /** Bytes written or queued: the next append goes here. */
  size: number;
  private pending: PendingWrites | undefined;
  /** Whether the file is on disk yet (a .done file is created by its first append). */
  private exists: boolean;

  constructor(
    readonly path: string,
    private handle: FileHandle | undefined,
    size: number,
    /** Called after this file is created, to make its directory entry durable too. */
    private readonly onCreate: () => Promise<void>,
  ) {
    this.size = size;
    this.exists = handle !== undefined || size > 0;
  }

  /** Reserves the next `length` bytes for `buffers`; they are written by `flush`. Returns the offset. */
  append(buffers: Buffer[], length: number): number {
    const offset = this.size;
    if (!this.pending) this.pending = { buffers: [], position: offset };
    this.pending.buffers.push(...buffers);
    this.size += length;
    return offset;
  }

  get dirty(): boolean {
    return this.pending !== undefined;
  }

  /** Writes what `append` queued, then makes it durable. */
  async flush(sync: boolean): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const handle = await this.fileHandle();
    let { position } = pending;
    let buffers = pending.buffers;
    while (buffers.length > 0) {
      // IOV_MAX is 1024 on Linux; a short write (rare on regular files) continues where it stopped.
      const slice = buffers.slice(0, 1024);
      let { bytesWritten } = await handle.writev(slice, position);
      position += bytesWritten;
      let consumed = 0;
      while (consumed < slice.length && bytesWritten >= slice[consumed]!.length) {
        bytesWritten -= slice[consumed]!.length;
        consumed++;
      }
      buffers = buffers.slice(consumed);
      if (bytesWritten > 0) buffers[0] = buffers[0]!.subarray(bytesWritten);
    }
    if (sync) await handle.datasync();
  }

  async read(position: number, length: number): Promise<Buffer> {
    const handle = await this.fileHandle();
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, position + done);
      if (bytesRead === 0) throw new Error(`${this.path}: unexpected end of file at ${position + done}`);
      done += bytesRead;
    }
    return out;
  }

  private opening: Promise<FileHandle> | undefined;

  /** Opened once, on first use (a .done file is created then: most segments never need one). */
  private fileHandle(): Promise<FileHandle> {
    if (this.handle) return Promise.resolve(this.handle);
    this.opening ??= (async () => {
      const handle = await open(this.path, this.exists ? 'r+' : 'w+');
      if (!this.exists) await this.onCreate();
      this.exists = true;
      this.handle = handle;
      this.opening = undefined;
      return handle;
    })();
    return this.opening;
  }

  async close(): Promise<void> {
    await this.opening;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

export class Segment {
  readonly msgs: SpoolFile;
  readonly done: SpoolFile;
  /** Live messages whose record is in this segment. */
  live = 0;
  /** Bytes of those messages' records; compaction copies a segment that is mostly dead. */
  liveBytes = 0;
  /** readBody calls in flight; deletion waits for them. */
  readers = 0;
  /** Set when the files were found damaged: the segment is set aside once its messages moved on. */
  damaged = false;
  readonly createdAt = Date.now();

  constructor(
    readonly seq: number,
    readonly dir: string,
    sizes: { msgs: number; done: number },
    syncDir: () => Promise<void>,
    msgsHandle?: FileHandle,
  ) {
    this.msgs = new SpoolFile(join(dir, `${segmentName(seq)}.msgs`), msgsHandle, sizes.msgs, syncDir);
    this.done = new SpoolFile(join(dir, `${segmentName(seq)}.done`), undefined, sizes.done, syncDir);
  }

  get name(): string {
    return segmentName(this.seq);
  }

  /** Creates the files of a new, empty head segment. */
  static async create(seq: number, dir: string, syncDir: () => Promise<void>): Promise<Segment> {
    const handle = await open(join(dir, `${segmentName(seq)}.msgs`), 'wx+');
    await syncDir();
    return new Segment(seq, dir, { msgs: 0, done: 0 }, syncDir, handle);
  }

  async close(): Promise<void> {
    await Promise.all([this.msgs.close(), this.done.close()]);
  }

  /**
   * Removes both files: `.msgs` first, so a crash in between leaves an orphan `.done` (ignored and
   * removed at the next start), never messages without their outcomes.
   */
  async delete(syncDir: () => Promise<void>): Promise<void> {
    await this.close();
    await unlink(this.msgs.path).catch(ignoreMissing);
    await syncDir();
    await unlink(this.done.path).catch(ignoreMissing);
  }
}

export function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
