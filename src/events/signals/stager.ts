// Writes ingest lines to the staging directory. The bus calls `append` synchronously for every
// event; lines collect in memory and are written together once the current turn of the event loop
// is over (setImmediate), so a burst of events costs one write() and never blocks a caller on disk.
// Nothing written is lost when the process dies: the open file is `NAME.tmp`, and the next start
// turns it into a staged file, cutting off a half-written last line. A file is fdatasync'ed (in the
// background) when it is closed, not after every write: the spool fsyncs every message on the same
// disk, and Signals must not make those fsyncs wait (bench/connector/smtp-impact measured it). So a
// power cut can lose what was staged since the last roll (at most one upload interval).
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  close as fsClose,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Clock } from './clock.js';
import { FileNamer, OPEN_SUFFIX, REWRITE_SUFFIX, STAGED_NAME } from './staged-files.js';

export interface StagerOptions {
  dir: string;
  clock: Clock;
  /** A file never grows past this (so one file fits one 5 MB request). */
  maxFileBytes: number;
  /** A file this old is closed at the next write. */
  maxFileAgeMs: number;
  /** A file was closed and is ready to upload. */
  onRolled?: (name: string, reason: 'size' | 'age' | 'request') => void;
  /** Lines that could not be written (disk full, I/O error): they are lost and must be counted. */
  onWriteError?: (error: unknown, lines: number) => void;
  /** Positional fs.writeSync; tests pass one that fails halfway, as a full disk does. */
  writeAt?: WriteAt;
}

export type WriteAt = (fd: number, data: Buffer, offset: number, length: number, position: number) => number;
const writeAt: WriteAt = (fd, data, offset, length, position) =>
  writeSync(fd, data, offset, length, position);

interface OpenFile {
  name: string;
  fd: number;
  bytes: number;
  createdAt: number;
}

export interface Recovery {
  files: number;
  partialLines: number;
}

export class Stager {
  private pending: string[] = [];
  private pendingBytes = 0;
  private current: OpenFile | undefined;
  private flushScheduled = false;
  private readonly namer: FileNamer;

  constructor(private readonly options: StagerOptions) {
    this.namer = new FileNamer(() => options.clock.now());
  }

  /** Reads the directory once at start: finishes files a killed process left open. */
  open(): Recovery {
    const recovery: Recovery = { files: 0, partialLines: 0 };
    for (const entry of readdirSync(this.options.dir).sort()) {
      if (entry.endsWith(REWRITE_SUFFIX)) {
        unlinkSync(join(this.options.dir, entry)); // the original next to it is still whole
        continue;
      }
      const name = entry.endsWith(OPEN_SUFFIX) ? entry.slice(0, -OPEN_SUFFIX.length) : entry;
      if (!STAGED_NAME.test(name)) continue;
      this.namer.seen(name);
      if (name === entry) continue;
      recovery.files++;
      if (this.finishOpenFile(join(this.options.dir, entry), join(this.options.dir, name)))
        recovery.partialLines++;
    }
    return recovery;
  }

  /** Queues one line; false when it can never be sent (longer than a whole request). */
  append(line: string): boolean {
    const bytes = Buffer.byteLength(line) + 1;
    if (bytes > this.options.maxFileBytes) return false;
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= 1 << 20) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Writes queued lines, rolling to a new file when one is full or too old. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.current && this.options.clock.now() - this.current.createdAt >= this.options.maxFileAgeMs)
      this.roll('age');
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < lines.length; i++) {
      const size = Buffer.byteLength(lines[i]!) + 1;
      const room = this.options.maxFileBytes - (this.current?.bytes ?? 0);
      if (bytes + size > room) {
        this.write(lines, start, i, bytes);
        this.roll('size');
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    this.write(lines, start, lines.length, bytes);
  }

  /** Closes the current file so the next upload takes it; the next line starts a new one. */
  roll(reason: 'size' | 'age' | 'request' = 'request'): void {
    if (reason === 'request') this.flush();
    const file = this.current;
    if (!file) return;
    this.current = undefined;
    const path = join(this.options.dir, file.name);
    renameSync(path + OPEN_SUFFIX, path);
    fdatasync(file.fd, () => fsClose(file.fd, () => {}));
    this.options.onRolled?.(file.name, reason);
  }

  /** Flushes and closes; the last file is left staged for the uploader (or the next start). */
  close(): void {
    this.flush();
    const file = this.current;
    if (!file) return;
    this.current = undefined;
    const path = join(this.options.dir, file.name);
    renameSync(path + OPEN_SUFFIX, path);
    fdatasyncSync(file.fd);
    closeSync(file.fd);
  }

  private write(lines: string[], start: number, end: number, bytes: number): void {
    if (end <= start) return;
    const file = this.current ?? this.create();
    const data = Buffer.from(`${lines.slice(start, end).join('\n')}\n`);
    try {
      // Positional writes: after a failed write the file is cut back, and the next write must
      // land where the last whole line ended, not at the descriptor's advanced offset.
      const write = this.options.writeAt ?? writeAt;
      let offset = 0;
      while (offset < data.length)
        offset += write(file.fd, data, offset, data.length - offset, file.bytes + offset);
      file.bytes += bytes;
    } catch (error) {
      // A partial write would leave half a line; cut the file back to its last whole line.
      try {
        ftruncateSync(file.fd, file.bytes);
      } catch {}
      this.options.onWriteError?.(error, end - start);
    }
  }

  private create(): OpenFile {
    const name = this.namer.next();
    const fd = openSync(join(this.options.dir, name + OPEN_SUFFIX), 'wx');
    this.current = { name, fd, bytes: 0, createdAt: this.options.clock.now() };
    return this.current;
  }

  /** Returns whether a half-written last line had to be cut off. */
  private finishOpenFile(openPath: string, finalPath: string): boolean {
    const data = readFileSync(openPath);
    const end = data.lastIndexOf(10) + 1;
    if (end === 0) {
      unlinkSync(openPath);
      return data.length > 0;
    }
    if (end < data.length) {
      const fd = openSync(openPath, 'r+');
      try {
        ftruncateSync(fd, end);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(openPath, finalPath);
    return end < data.length;
  }
}
