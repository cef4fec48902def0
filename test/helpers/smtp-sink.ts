// Postfix's smtp-sink as a receiving MX: accepts everything on 127.0.0.1 and, with a dump
// directory, writes each message to its own file (prefixed with X-Client-Addr, X-Helo-Args,
// X-Mail-Args, X-Rcpt-Args and a Received header), so tests can read what arrived.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';

/** A free loopback port (for programs that cannot bind port 0 and tell us what they got). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits (with waitFor's timeout) until something accepts TCP connections on the loopback port. */
export async function waitAccepting(port: number, what: string): Promise<void> {
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = netConnect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    what,
  );
}

export interface Sink {
  port: number;
  dir: string;
  /** Dumped messages, oldest first. */
  messages(): string[];
}

export async function startSmtpSink(t: TestContext, extraArgs: string[] = []): Promise<Sink> {
  // smtp-sink drops to the postfix user before it writes, so the whole path must be open to it.
  const parent = tempDir(t, 'outpost-sink-');
  chmodSync(parent, 0o755);
  const dir = join(parent, 'dump');
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'smtp-sink',
    ['-u', 'postfix', '-d', `${dir}/%H%M%S.`, ...extraArgs, `127.0.0.1:${port}`, '256'],
    {
      stdio: 'ignore',
    },
  );
  t.after(() => {
    child.kill('SIGTERM');
  });
  await waitAccepting(port, `smtp-sink on port ${port}`);
  return {
    port,
    dir,
    messages: () =>
      readdirSync(dir)
        .sort()
        .map((name) => readFileSync(join(dir, name), 'utf8')),
  };
}
