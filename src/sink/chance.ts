// Reproducible randomness for the sink. Every decision is a hash of the seed, what is being decided
// and who it is about (recipient, attempt, message), not a draw from one shared stream: with many
// connections in flight the order of draws changes from run to run, a hash does not. So the same
// seed and the same traffic give the same replies, bounces, complaints and clicks, and a recipient
// who is "unknown" stays unknown on every retry, as at a real mailbox provider.
import { createHash } from 'node:crypto';

export class Chance {
  constructor(readonly seed: number) {}

  /** A number in [0, 1) fixed by the seed and the parts. */
  value(...parts: Array<string | number>): number {
    const digest = createHash('sha256')
      .update(`${this.seed}\u0000${parts.join('\u0000')}`)
      .digest();
    // 48 bits are plenty for rates and exact in a double.
    return digest.readUIntBE(0, 6) / 2 ** 48;
  }

  /** True with probability `rate` (0 never, 1 always). */
  hit(rate: number, ...parts: Array<string | number>): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.value(...parts) < rate;
  }

  /** An integer in [min, max], fixed by the parts. */
  between(min: number, max: number, ...parts: Array<string | number>): number {
    if (max <= min) return min;
    return min + Math.floor(this.value(...parts) * (max - min + 1));
  }

  /** One of `items`, fixed by the parts. */
  pick<T>(items: readonly T[], ...parts: Array<string | number>): T | undefined {
    if (items.length === 0) return undefined;
    return items[Math.floor(this.value(...parts) * items.length)];
  }
}
