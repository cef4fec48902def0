// One process per spool directory. The lock is a listening Unix socket in Linux's abstract
// namespace, named after the directory's real path: binding it is atomic, and the kernel releases
// it the moment the holder dies (kill -9 included), so there is no stale lock file to guess about
// and no PID that another process may have reused. Caveat: abstract sockets are per network
// namespace, so two containers sharing one spool directory through a bind mount would not see
// each other's lock. A `lock` file beside the spool records the holder for people to read.
import { createHash } from 'node:crypto';
import { realpathSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SpoolLockedError } from './errors.js';

export interface SpoolLock {
  release(): Promise<void>;
}

function socketName(dir: string): string {
  const real = realpathSync(dir);
  return `\0outpost-spool-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
}

function listen(server: Server, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Asks the holder who it is (it answers with its lock-file text); best effort, for the error message. */
function askHolder(name: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(name);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text.trim() || 'unknown process'));
    socket.on('error', () => resolve('unknown process'));
    socket.setTimeout(1000, () => socket.destroy());
  });
}

export async function lockSpool(dir: string): Promise<SpoolLock> {
  const name = socketName(dir);
  const holder = `pid ${process.pid} on ${hostname()} since ${new Date().toISOString()}`;
  const server = createServer((socket) => socket.end(`${holder}\n`));
  try {
    await listen(server, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new SpoolLockedError(dir, await askHolder(name));
  }
  server.unref();
  writeFileSync(join(dir, 'lock'), `${holder}\n`);
  return {
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
