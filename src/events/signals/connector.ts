// The Signals connector as a Service: it listens to the event bus, keeps the events Signals should
// hear about (selection.ts), stages them as ingest NDJSON (stager.ts) and uploads the staged files
// every `signals-upload-interval` (uploader.ts), sooner when a full 5 MB file is waiting, later
// (exponential backoff) while the receiver fails. It is PowerMTA's <signals> (powermta.md §2.12).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configPath, type OutpostConfig } from '../../config/index.js';
import type { Logger } from '../../logging.js';
import type { Service } from '../../main.js';
import type { EventBus } from '../bus.js';
import type { OutpostEvent } from '../record.js';
import { type Clock, systemClock } from './clock.js';
import { SignalsError } from './errors.js';
import { EventIdSource } from './event-id.js';
import { FreeSpaceGuard, type FreeSpaceProbe, statfsProbe } from './free-space.js';
import { createHttpPost, type HttpPost } from './http-post.js';
import { type IngestOptions, ingestLine, ingestTypeOf } from './ingest.js';
import { SignalsSelector } from './selection.js';
import { Stager } from './stager.js';
import { newStats } from './stats.js';
import { type CycleResult, Uploader } from './uploader.js';

export interface SignalsConnectorOptions {
  clock?: Clock;
  freeSpace?: FreeSpaceProbe;
  post?: HttpPost;
  /** Default: DATA-DIR/signals. */
  stagingDir?: string;
  /** Default: `<outpost> signals-upload-interval` (60 s, as PowerMTA). */
  uploadIntervalMs?: number;
  /** Default 120 s. */
  requestTimeoutMs?: number;
  /** Retry delays while the receiver fails: initial (default: 30 s or the interval) doubling up to max (10 min). */
  backoff?: { initialMs: number; maxMs: number };
  /** Uncompressed NDJSON per request, default 5 MiB (sparkpost-api.md §1.1). */
  maxRequestBytes?: number;
  /** Default 24 hours (sparkpost-api.md §1.1). */
  maxEventAgeMs?: number;
  /** Default 3. */
  gzipLevel?: number;
}

const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;
/** NDJSON of one event type repeats its keys: level 3 compresses it nearly as well as 6 at half the CPU. */
const GZIP_LEVEL = 3;

export class SignalsConnector implements Service {
  readonly name = 'signals-connector';
  readonly stats = newStats();
  readonly stagingDir: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly selector: SignalsSelector;
  private readonly stager: Stager;
  private readonly uploader: Uploader;
  private readonly http: { post: HttpPost; close(): void };
  private readonly ids = new EventIdSource();
  private readonly ingestOptions: IngestOptions;
  private readonly intervalMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly maxEventAgeMs: number;
  private readonly freeSpace: FreeSpaceGuard;
  private unsubscribe: (() => void) | undefined;
  private timer: unknown;
  private cycleInFlight: Promise<CycleResult> | undefined;
  private failures = 0;
  private fullFileWaiting = false;
  private stopped = true;
  /** Drops since the last cycle, logged once per cycle rather than once per event. */
  private unreported = { tooOld: 0, oversize: 0, freeSpace: 0 };

  constructor(
    config: OutpostConfig,
    private readonly bus: EventBus,
    log: Logger,
    options: SignalsConnectorOptions = {},
  ) {
    const settings = config.signals;
    if (!settings) throw new SignalsError('SIGNALS_CONFIG', 'the configuration has no <signals> block');
    const apiKey = settings['api-key'];
    if (!apiKey || !/^[\x21-\x7e]+$/.test(apiKey))
      throw new SignalsError('SIGNALS_CONFIG', '<signals> api-key is missing or not printable ASCII');
    const url = parseUploadUrl(settings['upload-url']);
    this.log = log.child({ component: 'signals' });
    this.clock = options.clock ?? systemClock;
    this.selector = new SignalsSelector(config);
    this.stagingDir =
      options.stagingDir ??
      join(configPath(config, config.outpost['data-dir'] ?? '/var/lib/outpost'), 'signals');
    this.intervalMs =
      options.uploadIntervalMs ?? Math.max(1, config.outpost['signals-upload-interval']) * 1000;
    this.backoff = options.backoff ?? { initialMs: Math.min(30_000, this.intervalMs), maxMs: 600_000 };
    this.maxEventAgeMs = options.maxEventAgeMs ?? DAY_MS;
    this.ingestOptions = {
      privacy: settings['privacy-policy'],
      engagementTracking: settings['engagement-tracking'],
      customMessageIdHeader: settings['custom-message-id-header'],
    };
    const maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
    this.stager = new Stager({
      dir: this.stagingDir,
      clock: this.clock,
      maxFileBytes: maxRequestBytes,
      maxFileAgeMs: this.intervalMs,
      onRolled: (_name, reason) => reason === 'size' && this.fullFileStaged(),
      onWriteError: (error, lines) => this.writeFailed(error, lines),
    });
    this.http = options.post ? { post: options.post, close: () => {} } : createHttpPost();
    this.uploader = new Uploader({
      dir: this.stagingDir,
      url,
      apiKey,
      clock: this.clock,
      log: this.log,
      verbose: settings['log-verbose'],
      post: this.http.post,
      timeoutMs: options.requestTimeoutMs ?? 120_000,
      maxRequestBytes,
      maxEventAgeMs: this.maxEventAgeMs,
      gzipLevel: options.gzipLevel ?? GZIP_LEVEL,
      stats: this.stats,
    });
    this.freeSpace = new FreeSpaceGuard({
      dir: this.stagingDir,
      minFreeBytes: settings['min-free-space'],
      probe: options.freeSpace ?? statfsProbe,
      log: this.log,
      stats: this.stats,
      rollOpenFile: () => this.stager.roll(),
      keep: this.uploader.inFlight,
    });
  }

  async start(): Promise<void> {
    mkdirSync(this.stagingDir, { recursive: true });
    const recovery = this.stager.open();
    if (recovery.files > 0) {
      this.stats.dropped.partial += recovery.partialLines;
      this.log.warn(
        `Signals: recovered ${recovery.files} staging file(s) left open by a previous run` +
          (recovery.partialLines > 0 ? ` (${recovery.partialLines} half-written event(s) cut off)` : ''),
      );
    }
    this.stopped = false;
    this.unsubscribe = this.bus.subscribe((event) => this.onEvent(event));
    await this.freeSpace.check();
    this.schedule(this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.whenIdle();
    this.stager.close();
    this.http.close();
  }

  /** Rolls the current file and uploads everything staged now (what each interval does). */
  uploadNow(): Promise<CycleResult> {
    if (!this.cycleInFlight) {
      this.cycleInFlight = this.cycle().finally(() => {
        this.cycleInFlight = undefined;
      });
    }
    return this.cycleInFlight;
  }

  /** Resolves when no upload cycle or free-space check is running. */
  async whenIdle(): Promise<void> {
    while (this.cycleInFlight || this.freeSpace.busy) {
      await this.cycleInFlight?.catch(() => {});
      await this.freeSpace.busy;
    }
  }

  /** Writes what the bus handed over so far (it is otherwise written at the end of the event-loop turn). */
  flush(): void {
    this.stager.flush();
  }

  private onEvent(event: OutpostEvent): void {
    if (ingestTypeOf(event.type) === undefined) return;
    const selected = this.selector.select(event);
    if (!selected) {
      this.stats.notSelected++;
      return;
    }
    if (this.freeSpace.full) {
      this.drop('freeSpace');
      return;
    }
    if (this.clock.now() - event.timeLogged > this.maxEventAgeMs) {
      this.drop('tooOld');
      return;
    }
    const line = ingestLine(event, selected, this.ids.id(), this.ingestOptions);
    if (line === undefined) return;
    if (this.stager.append(line)) this.stats.staged++;
    else this.drop('oversize');
  }

  private drop(reason: keyof SignalsConnector['unreported']): void {
    this.stats.dropped[reason]++;
    this.unreported[reason]++;
  }

  private async cycle(): Promise<CycleResult> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.fullFileWaiting = false;
    let result: CycleResult = { discovered: 0, transferred: 0, ok: false };
    try {
      this.stager.roll();
      this.reportDrops();
      await this.freeSpace.check();
      result = await this.uploader.cycle();
    } catch (error) {
      this.log.error({ err: error }, `Signals: upload cycle failed: ${(error as Error).message}`);
    }
    this.failures = result.ok ? 0 : this.failures + 1;
    if (!this.stopped) {
      const delay = this.failures > 0 ? this.retryDelay() : this.fullFileWaiting ? 0 : this.intervalMs;
      this.schedule(delay);
    }
    return result;
  }

  private retryDelay(): number {
    const { initialMs, maxMs } = this.backoff;
    return Math.min(maxMs, initialMs * 2 ** Math.min(30, this.failures - 1));
  }

  private schedule(delayMs: number): void {
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.uploadNow();
    }, delayMs);
  }

  /** A file reached the request size: send it now instead of at the next interval, unless backing off. */
  private fullFileStaged(): void {
    void this.freeSpace.check();
    if (this.stopped || this.failures > 0) return;
    if (this.cycleInFlight) this.fullFileWaiting = true;
    else this.schedule(0);
  }

  private writeFailed(error: unknown, lines: number): void {
    this.stats.staged -= lines;
    this.stats.dropped.writeError += lines;
    this.log.error({ err: error }, `Signals: cannot write staging file: ${(error as Error).message}`);
    void this.freeSpace.check();
  }

  private reportDrops(): void {
    const u = this.unreported;
    const say = (count: number, why: string) =>
      count > 0 && this.log.warn(`Signals: dropped ${count} event(s) ${why}`);
    say(u.tooOld, 'older than 24 hours before staging them; the ingest API refuses them');
    say(u.oversize, 'larger than a whole upload request');
    say(u.freeSpace, 'while free space was below min-free-space');
    this.unreported = { tooOld: 0, oversize: 0, freeSpace: 0 };
  }
}

function parseUploadUrl(text: string | undefined): URL {
  try {
    const url = new URL(text ?? '');
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {}
  throw new SignalsError('SIGNALS_CONFIG', `<signals> upload-url "${text}" is not an http(s) URL`);
}
