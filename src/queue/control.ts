// Pause state that survives restarts: paused queues (`domain[/vmta]` patterns with `*` wildcards,
// as `pmta pause queue */customer1` takes) and paused jobs, kept in DATA-DIR/queue-state.json.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface PauseState {
  queues: string[];
  jobs: string[];
}

/** `gmail.com` means every VirtualMTA's gmail.com queue; `*` matches any run of characters. */
export function queuePatternMatches(pattern: string, key: string): boolean {
  const full = pattern.includes('/') ? pattern : `${pattern}/*`;
  const regex = new RegExp(
    `^${full
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return regex.test(key.toLowerCase());
}

export function loadPauseState(path: string | undefined): PauseState {
  if (!path) return { queues: [], jobs: [] };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<PauseState>;
    return { queues: [...(parsed.queues ?? [])], jobs: [...(parsed.jobs ?? [])] };
  } catch {
    return { queues: [], jobs: [] };
  }
}

/** Written to a temporary file and renamed, so a crash leaves the old state or the new one. */
export function savePauseState(path: string | undefined, state: PauseState): void {
  if (!path) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
