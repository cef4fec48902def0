// Loopback ports for the benchmarks' servers.
import { connect, createServer } from 'node:net';

/** A free loopback port (bound and released, for programs that cannot report the port they got). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts TCP connections on the loopback port. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

/** Waits until the port accepts connections; false after `ms` or once `exited()` says so. */
export async function waitAccepting(port: number, ms = 10_000, exited = () => false): Promise<boolean> {
  for (let waited = 0; waited < ms && !exited(); waited += 100) {
    if (await accepting(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
