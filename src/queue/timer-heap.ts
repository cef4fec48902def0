// One timer for many deadlines (reference code-style.md §5: no setTimeout per message). Deadlines
// live in a binary min-heap; a single Node timer is armed for the earliest and re-armed as the heap
// changes. The clock is injected so tests can move time themselves.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Entry<T> {
  at: number;
  seq: number;
  value: T;
}

export class TimerHeap<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;
  private timer: unknown;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (value: T) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Calls onDue(value) at time `at` (ms since the epoch), or soon after. */
  schedule(at: number, value: T): void {
    this.heap.push({ at, seq: this.seq++, value });
    this.up(this.heap.length - 1);
    if (at < this.armedFor) this.arm();
  }

  /** Runs everything due now; called by the timer, and by tests after moving their clock. */
  runDue(): void {
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) this.onDue(this.pop().value);
    this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    this.stop();
    const next = this.heap[0];
    if (!next) return;
    this.armedFor = next.at;
    // setTimeout caps at 2^31-1 ms; a far deadline just re-arms when that fires.
    const delay = Math.min(Math.max(0, next.at - this.clock.now()), 2 ** 31 - 1);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
      this.runDue();
    }, delay);
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [this.heap[i], this.heap[parent]] = [this.heap[parent]!, this.heap[i]!];
      i = parent;
    }
  }

  private pop(): Entry<T> {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.less(l, m)) m = l;
        if (r < this.heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        [this.heap[i], this.heap[m]] = [this.heap[m]!, this.heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
