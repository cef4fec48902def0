// Recovering a large spool reads every envelope once; most of that is garbage by the time the
// messages are queued, but V8 keeps the heap at its high-water mark and returns pages to the OS only
// after a full collection. One explicit collection after recovery brings a million queued messages
// from about 1.2 GB resident to about 0.8 GB (bench/queue-scale). `--expose-gc` is turned on here,
// once, rather than by a command-line flag, so `outpost start` needs none.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function releaseMemory(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
