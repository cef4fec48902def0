// Outpost as separate operating-system processes, the way a deployment runs it: `outpost start` or
// `outpost signals` from source (through tsx), each with its own configuration file. Used by the
// scale-out test, bench/scale-out and bench/soak. A process is ready when its output names its port.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export class OutpostProcess {
  readonly log: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    // stdout and stderr both: the sink prints its address on stdout, Outpost logs on stderr.
    for (const stream of [child.stdout!, child.stderr!]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop()!;
        this.log.push(...lines);
        // A soak runs for hours: keep the recent lines only.
        if (this.log.length > 5000) this.log.splice(0, this.log.length - 2000);
      });
    }
  }

  /**
   * Runs `outpost ARGS` and resolves with the first match of `ready` in its log (stderr), or fails
   * with the log when the process exits first or `timeoutMs` passes.
   */
  static async start(
    name: string,
    args: string[],
    ready: RegExp,
    timeoutMs = 60_000,
  ): Promise<{ process: OutpostProcess; match: RegExpExecArray }> {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new OutpostProcess(name, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = proc.log.map((line) => ready.exec(line)).find(Boolean);
      if (match) return { process: proc, match };
      if (child.exitCode !== null || Date.now() > deadline) {
        if (child.exitCode === null) await proc.stop();
        throw new Error(`${name} did not start (exit ${child.exitCode}):\n${proc.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident set size in bytes, from /proc (0 once the process is gone). */
  rss(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  }

  /** The last lines of the log, for failure messages. */
  tail(lines = 40): string {
    return this.log.slice(-lines).join('\n');
  }

  /** SIGTERM (a graceful stop), SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
