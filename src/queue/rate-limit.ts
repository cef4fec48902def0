// `max-msg-rate 500/h`, `max-connect-rate 83/10m`: a token bucket that holds at most `count` tokens
// and refills continuously at count/seconds, so bursts never exceed the configured count.
import type { Rate } from '../config/index.js';

export class RateLimiter {
  private tokens: number;
  private updated: number;

  constructor(
    private rate: Rate,
    now: number,
  ) {
    this.tokens = rate.count;
    this.updated = now;
  }

  get unlimited(): boolean {
    return !Number.isFinite(this.rate.count);
  }

  /** Changes the rate (backoff mode, reload) keeping the tokens already earned, up to the new cap. */
  setRate(rate: Rate, now: number): void {
    this.refill(now);
    this.rate = rate;
    this.tokens = Math.min(this.tokens, rate.count);
  }

  /** Takes one token if there is one. */
  tryTake(now: number): boolean {
    if (this.unlimited) return true;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** When the next token will be there (now if one is). */
  nextAt(now: number): number {
    if (this.unlimited) return now;
    this.refill(now);
    if (this.tokens >= 1) return now;
    return now + Math.ceil(((1 - this.tokens) * this.rate.seconds * 1000) / this.rate.count);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updated);
    this.tokens = Math.min(
      this.rate.count,
      this.tokens + (elapsed * this.rate.count) / (this.rate.seconds * 1000),
    );
    this.updated = now;
  }
}
