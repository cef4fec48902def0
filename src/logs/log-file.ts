// Where the operator's log goes: `log-file PATH` (PowerMTA's main log) or stderr when there is none,
// as text lines or JSON (`<outpost> log-format`). Rotation as PowerMTA does it: at local midnight
// unless `log-auto-rotation false`, and on `outpost rotate log`; PATH becomes PATH.1, PATH.1 becomes
// PATH.2 … and `log-rotate` old files are kept. A reload may move the log or change its format.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import { configPath, type OutpostConfig } from '../config/index.js';
import type { Service } from '../main.js';
import { textLine } from './format.js';

export interface LogFileSettings {
  /** Absolute path; undefined: stderr. */
  path?: string;
  format: 'text' | 'json';
  /** Old files kept (`log-rotate`). */
  keep: number;
  autoRotate: boolean;
  worldReadable: boolean;
}

export function logSettingsFrom(config: OutpostConfig): LogFileSettings {
  const g = config.global;
  const file = g['log-file'];
  return {
    ...(file ? { path: configPath(config, file) } : {}),
    format: config.outpost['log-format'],
    keep: g['log-rotate'],
    autoRotate: g['log-auto-rotation'],
    worldReadable: g['log-file-world-readable'],
  };
}

type Sink = ReturnType<typeof pino.destination>;

/** Writes out what is buffered; a file still opening (SonicBoom is asynchronous) has nothing yet. */
function flush(sink: Sink): void {
  try {
    sink.flushSync();
  } catch {
    // not open yet: nothing was written to it
  }
}

function openSink(settings: LogFileSettings): Sink {
  if (!settings.path) return pino.destination({ dest: 2, sync: false });
  mkdirSync(dirname(settings.path), { recursive: true });
  return pino.destination({
    dest: settings.path,
    sync: false,
    mode: settings.worldReadable ? 0o644 : 0o640,
  });
}

/** The destination pino writes to; also a Service so reload, rotation and stop reach it. */
export class LogFile implements Service {
  readonly name = 'log';
  private sink: Sink;
  private midnight: NodeJS.Timeout | undefined;

  constructor(private settings: LogFileSettings) {
    this.sink = openSink(settings);
  }

  get path(): string | undefined {
    return this.settings.path;
  }

  /** pino calls this with one JSON line at a time. */
  write(line: string): void {
    this.sink.write(this.settings.format === 'json' ? line : textLine(line));
  }

  async start(): Promise<void> {
    this.scheduleMidnight();
  }

  /** PATH → PATH.1 → … → PATH.keep (the oldest goes), then a fresh PATH. */
  async rotate(): Promise<void> {
    const { path, keep } = this.settings;
    if (!path) return;
    flush(this.sink);
    if (keep <= 0) rmSync(path, { force: true });
    else {
      rmSync(`${path}.${keep}`, { force: true });
      for (let n = keep - 1; n >= 1; n--)
        if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
      if (existsSync(path)) renameSync(path, `${path}.1`);
    }
    this.sink.reopen();
  }

  async prepareReload(config: OutpostConfig): Promise<{ commit(): void; abort(): Promise<void> }> {
    const next = logSettingsFrom(config);
    const moved = next.path !== this.settings.path;
    const sink = moved ? openSink(next) : undefined;
    return {
      commit: () => {
        if (sink) {
          const old = this.sink;
          this.sink = sink;
          flush(old);
          if (this.settings.path) old.end();
        }
        this.settings = next;
        this.scheduleMidnight();
      },
      abort: async () => {
        if (sink && next.path) sink.end();
      },
    };
  }

  private scheduleMidnight(): void {
    clearTimeout(this.midnight);
    if (!this.settings.autoRotate || !this.settings.path) return;
    const next = new Date();
    next.setHours(24, 0, 0, 0);
    this.midnight = setTimeout(() => {
      void this.rotate().finally(() => this.scheduleMidnight());
    }, next.getTime() - Date.now());
    this.midnight.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.midnight);
    flush(this.sink);
  }
}
