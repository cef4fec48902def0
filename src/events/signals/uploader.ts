// One upload cycle, as PowerMTA runs it every minute: discover the staged files, oldest first, and
// POST each as gzip NDJSON to the upload-url. A file is deleted only after the receiver answered 2xx
// for all of it; on any other answer it stays for the next cycle. With `log-verbose` the log gets
// PowerMTA's own lines ("Signals: Discovered sp1-….json", "Signals: Transferred sp1-….json
// successfully", "Signals: Discovered 1 file, transferred 1 file successfully"); errors are always
// logged, with the HTTP status and the body the receiver sent.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from '../../logging.js';
import { planBatches } from './batches.js';
import type { Clock } from './clock.js';
import { SignalsError } from './errors.js';
import type { HttpPost } from './http-post.js';
import { listStaged, REWRITE_SUFFIX } from './staged-files.js';
import type { SignalsStats } from './stats.js';

const gzip = promisify(gzipCallback);

export interface UploaderOptions {
  dir: string;
  url: URL;
  apiKey: string;
  clock: Clock;
  log: Logger;
  verbose: boolean;
  post: HttpPost;
  timeoutMs: number;
  maxRequestBytes: number;
  maxEventAgeMs: number;
  gzipLevel: number;
  stats: SignalsStats;
}

/** `sent`: gone from disk, all acknowledged. `file`: this file failed. `stop`: the receiver is failing. */
type FileResult = 'sent' | 'dropped' | 'gone' | 'file' | 'stop';

export interface CycleResult {
  discovered: number;
  transferred: number;
  ok: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class Uploader {
  /** The file being sent right now: min-free-space must not delete it under us. */
  readonly inFlight = new Set<string>();

  constructor(private readonly o: UploaderOptions) {}

  async cycle(): Promise<CycleResult> {
    const files = await listStaged(this.o.dir);
    let transferred = 0;
    let ok = true;
    for (const name of files) {
      this.verbose(`Signals: Discovered ${name}`);
      const result = await this.uploadFile(name);
      if (result === 'sent') {
        transferred++;
        this.verbose(`Signals: Transferred ${name} successfully`);
      } else if (result === 'file' || result === 'stop') {
        ok = false;
        if (result === 'stop') break;
      }
    }
    this.verbose(
      files.length === 0
        ? 'Signals: Discovered 0 files'
        : `Signals: Discovered ${plural(files.length, 'file')}, transferred ${plural(transferred, 'file')} successfully`,
    );
    return { discovered: files.length, transferred, ok };
  }

  private async uploadFile(name: string): Promise<FileResult> {
    const path = join(this.o.dir, name);
    this.inFlight.add(name);
    try {
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch {
        return 'gone';
      }
      const oldest = this.o.clock.now() - this.o.maxEventAgeMs;
      const plan = planBatches(data, oldest, this.o.maxRequestBytes);
      if (plan.tooOld > 0) {
        this.o.stats.dropped.tooOld += plan.tooOld;
        this.o.log.warn(
          `Signals: ${name}: dropped ${plural(plan.tooOld, 'event')} older than 24 hours, which the ingest API refuses`,
        );
        if (plan.batches.length === 0) {
          await unlink(path);
          return 'dropped';
        }
        await this.rewrite(path, plan.batches);
      }
      for (let i = 0; i < plan.batches.length; i++) {
        const failure = await this.send(name, plan.batches[i]!);
        if (failure) {
          if (i > 0) await this.rewrite(path, plan.batches.slice(i));
          return failure;
        }
        this.o.stats.uploaded += plan.events[i]!;
      }
      await unlink(path);
      this.o.stats.filesUploaded++;
      this.o.stats.lastSuccessAt = this.o.clock.now();
      return 'sent';
    } finally {
      this.inFlight.delete(name);
    }
  }

  /** Undefined when the receiver acknowledged the batch; otherwise how bad the failure is. */
  private async send(name: string, batch: Buffer): Promise<'file' | 'stop' | undefined> {
    const body = await gzip(batch, { level: this.o.gzipLevel });
    try {
      const response = await this.o.post({
        url: this.o.url,
        body,
        timeoutMs: this.o.timeoutMs,
        headers: {
          'Content-Type': 'application/x-ndjson',
          'Content-Encoding': 'gzip',
          Authorization: this.o.apiKey,
          'User-Agent': 'Outpost-Signals-Connector/1',
        },
      });
      if (response.status >= 200 && response.status < 300) return undefined;
      return this.failed(name, response.status, response.body);
    } catch (error) {
      const message = error instanceof SignalsError ? error.message : String(error);
      this.o.stats.failedRequests++;
      this.o.stats.lastError = message;
      this.o.log.error({ err: error }, `Signals: Error transferring ${name}: ${message}; will retry`);
      return 'stop';
    }
  }

  private failed(name: string, status: number, body: string): 'file' | 'stop' {
    this.o.stats.failedRequests++;
    const text = body.replace(/\s+/g, ' ').trim().slice(0, 2000);
    this.o.stats.lastError = `HTTP ${status} ${text}`;
    if (status === 401 || status === 403) {
      this.o.log.error(
        { status, body: text },
        `Signals: Error transferring ${name}: HTTP ${status} ${text} -- the upload-url refused the api-key; staged files are kept until it is accepted`,
      );
      return 'stop';
    }
    this.o.log.error({ status, body: text }, `Signals: Error transferring ${name}: HTTP ${status} ${text}`);
    // A 4xx is about this request, so the files after it still get their turn. Timeouts (408), rate
    // limits (429), server errors and redirects are the receiver's state: stop and back off.
    const aboutThisRequest = status >= 400 && status < 500 && status !== 408 && status !== 429;
    return aboutThisRequest ? 'file' : 'stop';
  }

  /** Replaces a file by what is still to be sent, atomically (a crash leaves the old one whole). */
  private async rewrite(path: string, batches: Buffer[]): Promise<void> {
    await writeFile(path + REWRITE_SUFFIX, Buffer.concat(batches));
    await rename(path + REWRITE_SUFFIX, path);
  }

  private verbose(line: string): void {
    if (this.o.verbose) this.o.log.info(line);
  }
}
