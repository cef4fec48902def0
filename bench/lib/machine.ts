// What the machine is doing: CPU of process trees and of the whole box, from /proc (the same
// accounting as shared/peers/lib.sh). The build machine is shared, so a run waits for a quiet box
// and reports how much CPU others used while it ran.
import { readdirSync, readFileSync } from 'node:fs';

const HZ = 100; // USER_HZ on Linux

/** CPU seconds used by `root` and its descendants, reaped children included. */
export function cpuTree(root: number): number {
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      stats.set(Number(name), { parent: Number(fields[1]), ticks });
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!inTree.has(pid) && inTree.has(s.parent)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks / HZ;
}

/** Busy CPU seconds of the whole box so far (all cores; idle and iowait excluded). */
export function boxBusy(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return (total - fields[3]! - fields[4]!) / HZ;
}

/**
 * Waits until the box has been under `percent` busy (of all cores) for `seconds` seconds in a row;
 * false if that did not happen within `maxSeconds`.
 */
export async function waitQuiet(percent = 15, seconds = 3, maxSeconds = 600): Promise<boolean> {
  const cores = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l)).length;
  let quiet = 0;
  let last = boxBusy();
  for (let waited = 0; waited < maxSeconds; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = boxBusy();
    quiet = ((now - last) / cores) * 100 < percent ? quiet + 1 : 0;
    last = now;
    if (quiet >= seconds) return true;
  }
  return false;
}

/**
 * Node flags for the Outpost process a bench starts: with OUTPOST_BENCH_PROFILE=DIR it writes a CPU
 * profile there when it stops (NODE_OPTIONS may not carry --cpu-prof, and would profile the bench too).
 */
export function profileArgs(): string[] {
  const dir = process.env.OUTPOST_BENCH_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
