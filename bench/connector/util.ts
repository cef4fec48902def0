// Shared by the connector benchmarks: arguments, CPU pinning, the receiver process, medians.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `--name N` from the command line, or the fallback. */
export function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/** The command prefixed with `taskset -c CPU` where taskset exists. */
export function pinned(cpu: number, command: string[]): string[] {
  return spawnSync('taskset', ['--version']).status === 0
    ? ['taskset', '-c', String(cpu), ...command]
    : command;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Runs a TypeScript file of this folder under node + tsx. */
export function tsx(file: string, ...args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...args];
}

/** Starts receiver.ts on CPU 1; resolves once it printed its port. */
export async function startReceiver(): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, ...rest] = pinned(1, tsx('./receiver.ts'));
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim()))),
  );
  return { child, port };
}
