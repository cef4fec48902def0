// Waiting before a retry: the delay doubles with each failure from `first` up to `most`, and a
// stopping service can cut the wait short.
export class Backoff {
  private interrupt: (() => void) | undefined;

  constructor(private readonly range: readonly [first: number, most: number]) {}

  /** Waits out the delay after the given number of failures in a row (1 or more). */
  wait(failures: number): Promise<void> {
    const [first, most] = this.range;
    const delay = Math.min(most, first * 2 ** Math.min(Math.max(failures, 1) - 1, 20));
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.interrupt = done;
    });
  }

  /** Ends a wait in progress now. */
  cut(): void {
    this.interrupt?.();
    this.interrupt = undefined;
  }
}
