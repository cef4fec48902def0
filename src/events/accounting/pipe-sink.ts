// Writes one <acct-file |command>: the command starts once (through /bin/sh) and receives CSV on its
// standard input, the header line first each time it (re)starts. If it exits or stops reading for
// `write-timeout`, the error is logged as PowerMTA does (`Error writing to "CMD": …`) and it is
// restarted after `retry-interval`; lines written meanwhile wait in memory up to a limit, beyond
// which the oldest are dropped and counted (powermta.md §3.1: "so also keep a file copy").
import { type ChildProcess, spawn } from 'node:child_process';
import type { AcctFileSettings } from '../../config/directives/blocks.js';
import type { Logger } from '../../logging.js';

export interface PipeSinkOptions {
  command: string;
  header: string;
  settings: AcctFileSettings;
  log: Logger;
  /** Lines kept while the command is down (default 100,000). */
  maxBuffered?: number;
}

export class AcctPipeSink {
  private child: ChildProcess | undefined;
  private buffered: string[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Lines dropped because the command was down too long. */
  dropped = 0;

  constructor(private readonly options: PipeSinkOptions) {}

  async start(): Promise<void> {
    this.launch();
  }

  write(line: string): void {
    if (this.child?.stdin?.writable && this.buffered.length === 0) {
      this.send(line);
      return;
    }
    this.buffered.push(line);
    const limit = this.options.maxBuffered ?? 100_000;
    if (this.buffered.length > limit) {
      this.dropped += this.buffered.length - limit;
      this.buffered.splice(0, this.buffered.length - limit);
    }
  }

  async rotate(): Promise<void> {}

  async drain(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.stallTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin?.end();
      setTimeout(() => child.kill('SIGTERM'), this.options.settings['write-timeout'] * 1000).unref();
    });
  }

  private launch(): void {
    const { command, header, log } = this.options;
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'ignore', 'inherit'] });
    this.child = child;
    child.stdin?.on('error', (error) => this.broken(child, error.message));
    child.on('error', (error) => this.broken(child, error.message));
    child.on('exit', (code, signal) => this.broken(child, `exited with ${signal ?? `code ${code}`}`));
    child.stdin?.on('drain', () => this.clearStall());
    this.send(header);
    const backlog = this.buffered;
    this.buffered = [];
    for (const line of backlog) this.send(line);
    log.info({ command }, `accounting pipe started: ${command}`);
  }

  private send(line: string): void {
    const ok = this.child?.stdin?.write(line);
    if (ok === false && !this.stallTimer) {
      const child = this.child;
      this.stallTimer = setTimeout(() => {
        if (child) {
          this.broken(child, `not reading for ${this.options.settings['write-timeout']}s`);
          child.kill('SIGTERM');
        }
      }, this.options.settings['write-timeout'] * 1000);
    }
  }

  private clearStall(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private broken(child: ChildProcess, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.clearStall();
    if (this.stopping) return;
    this.options.log.error(
      { command: this.options.command, reason },
      `Error writing to "${this.options.command}": ${reason}`,
    );
    this.restartTimer = setTimeout(() => this.launch(), this.options.settings['retry-interval'] * 1000);
    this.restartTimer.unref();
  }
}
