// One PowerMTA queue: the mail for one recipient domain through one VirtualMTA (`domain/vmta`),
// in arrival order, with its connection count, its mode (normal or backoff), its retry state and
// its rate limits (powermta.md §6.1–6.3).
import type { DomainSettings } from '../config/index.js';
import type { QueueItem } from './message.js';
import { RateLimiter } from './rate-limit.js';

export type QueueMode = 'normal' | 'backoff';

export class DomainQueue {
  private items: Array<QueueItem | undefined> = [];
  private head = 0;
  /** Recipients waiting in this queue (not counting those on a connection or awaiting retry). */
  recipients = 0;
  bytes = 0;
  connections = 0;
  paused = false;
  mode: QueueMode = 'normal';
  backoffSince = 0;
  /** Retry mode: no new connection before this time (0 = not in retry mode). */
  retryAt = 0;
  retryIndex = 0;
  lastError: string | undefined;
  /** For a rollup queue: the domain whose MX records route it (domain queues route by their own). */
  mxDomain: string | undefined;
  lastErrorAt = 0;
  delivered = 0;
  failed = 0;
  /** Items whose recipients wait for retry-recipients-after (the timer heap holds them until then). */
  readonly later = new Set<QueueItem>();
  readonly msgRate: RateLimiter;
  readonly connectRate: RateLimiter;

  constructor(
    readonly domain: string,
    readonly vmta: string,
    public settings: DomainSettings,
    now: number,
    /** The pool the queue's mail was selected through, when there was one (events' ip_pool). */
    readonly pool?: string,
  ) {
    this.msgRate = new RateLimiter(settings['max-msg-rate'], now);
    this.connectRate = new RateLimiter(settings['max-connect-rate'], now);
  }

  get key(): string {
    return `${this.domain}/${this.vmta}`;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: QueueItem): void {
    this.items.push(item);
    this.count(item, 1);
  }

  /** Puts an item back at the front (a connection could not take it after all). */
  unshift(item: QueueItem): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
    this.count(item, 1);
  }

  /** The next item, in arrival order. */
  shift(): QueueItem | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact now and then so a long-lived queue does not keep a long dead prefix.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (item) this.count(item, -1);
    return item;
  }

  /** Removes and returns every item matching `test` (pause by job, delete, expiry). */
  extract(test: (item: QueueItem) => boolean): QueueItem[] {
    const kept: QueueItem[] = [];
    const taken: QueueItem[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      (test(item) ? taken : kept).push(item);
    }
    this.items = kept;
    this.head = 0;
    for (const item of taken) this.count(item, -1);
    return taken;
  }

  /** Visits the waiting items without removing them (show queues, listing). */
  forEach(visit: (item: QueueItem) => void): void {
    for (let i = this.head; i < this.items.length; i++) visit(this.items[i]!);
  }

  connectionLimit(): number {
    return this.mode === 'backoff' ? this.settings['backoff-max-smtp-out'] : this.settings['max-smtp-out'];
  }

  /** Retry intervals in effect (seconds): the backoff list in backoff mode. */
  retryIntervals(): number[] {
    return this.mode === 'backoff' ? this.settings['backoff-retry-after'] : this.settings['retry-after'];
  }

  /** Enters retry mode: the next interval of the list (the last one repeats). */
  enterRetry(now: number): number {
    const list = this.retryIntervals();
    const seconds = list[Math.min(this.retryIndex, list.length - 1)] ?? 600;
    this.retryIndex++;
    this.retryAt = now + seconds * 1000;
    return this.retryAt;
  }

  /** A delivery succeeded: the retry list starts over (UG50 §10.15). */
  succeeded(): void {
    this.retryAt = 0;
    this.retryIndex = 0;
  }

  setMode(mode: QueueMode, now: number): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.backoffSince = mode === 'backoff' ? now : 0;
    const s = this.settings;
    const backoff = mode === 'backoff';
    this.msgRate.setRate(backoff ? (s['backoff-max-msg-rate'] ?? s['max-msg-rate']) : s['max-msg-rate'], now);
    this.connectRate.setRate(
      backoff ? (s['backoff-max-connect-rate'] ?? s['max-connect-rate']) : s['max-connect-rate'],
      now,
    );
  }

  private count(item: QueueItem, sign: 1 | -1): void {
    this.recipients += sign * item.rcpts.length;
    this.bytes += sign * item.message.size;
  }
}
