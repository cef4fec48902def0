// Test harness for the listener: a real SmtpService and spool on 127.0.0.1 ephemeral ports, swaks
// as the client, and a raw-socket client for dialogues no well-behaved client would produce.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { hasErrors, loadConfigText } from '../../src/config/index.js';
import { EventBus, type OutpostEvent } from '../../src/events/index.js';
import { SmtpService } from '../../src/smtp/service.js';
import type { SpooledMessage } from '../../src/spool/index.js';
import { SpoolService } from '../../src/spool/service.js';
import { captureLogger } from '../helpers/log.js';
import { tempDir } from '../helpers/tmp.js';

export interface Harness {
  smtp: SmtpService;
  spool: SpoolService;
  events: OutpostEvent[];
  spooled: SpooledMessage[];
  /** Bound port of each configured listener, in configuration order. */
  ports: number[];
  dataDir: string;
  warnings(): string[];
  lines(): Array<Record<string, unknown>>;
}

/** Starts the listener on `configText` (listeners should be `127.0.0.1:0`). */
export async function startSmtp(
  t: TestContext,
  configText: string,
  options: { now?: () => number; dataDir?: string } = {},
): Promise<Harness> {
  const dir = tempDir(t);
  const dataDir = options.dataDir ?? join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const { config, diagnostics } = loadConfigText(
    `<outpost>\n data-dir ${dataDir}\n</outpost>\n${configText}`,
    join(dir, 'outpost.config'),
  );
  assert.ok(!hasErrors(diagnostics), JSON.stringify(diagnostics));
  const captured = captureLogger();
  const bus = new EventBus();
  const events: OutpostEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const spooled: SpooledMessage[] = [];
  const spool = new SpoolService(config, dataDir, captured.log);
  await spool.start();
  const smtp = new SmtpService({
    config,
    bus,
    spool: () => spool.spool,
    log: captured.log,
    dataDir,
    onSpooled: (message) => spooled.push(message),
    ...(options.now ? { now: options.now } : {}),
  });
  await smtp.start();
  t.after(async () => {
    await smtp.stop();
    await spool.stop();
  });
  const ports = smtp.addresses().map((a) => a.port);
  return { smtp, spool, events, spooled, ports, dataDir, warnings: captured.warnings, lines: captured.lines };
}

const exec = promisify(execFile);

/** Runs swaks against 127.0.0.1:PORT; resolves with its exit code and transcript, never rejects. */
export async function swaks(port: number, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec(
      'swaks',
      ['--server', `127.0.0.1:${port}`, '--timeout', '10', ...args],
      {
        timeout: 30_000,
      },
    );
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Lines swaks printed as received from the server (`<-`, `<~`, `<**`). */
export const serverLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^<[-~*]+\s/.test(l))
    .map((l) => l.replace(/^<\S*\s+/, ''));

/** A client that writes raw bytes and reads whole replies, for broken-client tests. */
export class RawClient {
  private buffer = '';
  private waiters: Array<() => void> = [];
  ended = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static connect(port: number, firstBytes?: string | Buffer): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      // Written before the connection is even up: an early talker.
      if (firstBytes !== undefined) socket.write(firstBytes);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next complete reply (all its lines), or undefined once the server closed. */
  async reply(timeoutMs = 5000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buffer);
      if (match) {
        this.buffer = this.buffer.slice(match[0].length);
        return match[0].trimEnd();
      }
      if (this.ended) return undefined;
      if (Date.now() > deadline) throw new Error(`no reply; buffered: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends one line (CRLF added) and returns the reply. */
  async command(line: string): Promise<string | undefined> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Waits until `check` is true (polling), for effects that follow a reply asynchronously. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
