// A clock the test moves by hand: timers fire in time order when `advance` passes them, so minutes
// of retries and the 24-hour limit take no real time.
import type { Clock } from '../../../../src/events/signals/index.js';

interface Timer {
  id: number;
  due: number;
  callback: () => void;
}

export class ManualClock implements Clock {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(public time = Date.UTC(2025, 5, 1, 12, 0, 0)) {}

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, due: this.time + Math.max(0, ms), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward, firing each timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.due;
      next.callback();
    }
    this.time = target;
  }

  /** When the next timer is due, relative to now. */
  nextDueIn(): number | undefined {
    const due = Math.min(...this.timers.map((t) => t.due));
    return Number.isFinite(due) ? due - this.time : undefined;
  }
}
