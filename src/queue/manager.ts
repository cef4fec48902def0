// The scheduler: routes each spooled message's recipients into `domain/vmta` queues, decides when a
// queue may open another connection (its own limit, the VirtualMTA's, total-max-smtp-out, connect
// rate, retry mode, pauses), and keeps every deadline in one timer heap. Delivery itself is the
// `connect` callback's job (src/delivery); this module never touches the network or the spool.
import { domainSettingsFor, normalizeDomain, type OutpostConfig } from '../config/index.js';
import type { Logger } from '../logging.js';
import { loadPauseState, type PauseState, queuePatternMatches, savePauseState } from './control.js';
import { DomainQueue } from './domain-queue.js';
import {
  FIRST_ONLY,
  IN_FLIGHT,
  PENDING,
  type QueueableEnvelope,
  QueuedMessage,
  type QueueItem,
} from './message.js';
import { type Clock, systemClock, TimerHeap } from './timer-heap.js';
import { DEFAULT_VMTA, VmtaSelector } from './vmta.js';

export interface QueueManagerOptions {
  config: OutpostConfig;
  log: Logger;
  /** Runs one connection for `queue` until it has nothing more to send; the manager counts it. */
  connect: (queue: DomainQueue) => Promise<void>;
  clock?: Clock;
  /** Where pauses are kept across restarts (DATA-DIR/queue-state.json); undefined: not kept. */
  statePath?: string;
}

/** Recipients removed from the queues by an operator (`delete`), for the caller to record. */
export interface Removed {
  message: QueuedMessage;
  rcpts: readonly number[];
  /** The queue they were in (the accounting record names it). */
  queue: DomainQueue;
}

export class QueueManager {
  readonly queues = new Map<string, DomainQueue>();
  readonly messages = new Map<string, QueuedMessage>();
  readonly clock: Clock;
  /** The configuration in effect (replaced by reconfigure on reload). */
  config: OutpostConfig;
  private readonly heap: TimerHeap<() => void>;
  private readonly vmtas: VmtaSelector;
  private readonly pauses: PauseState;
  /** Items of paused jobs, set aside until `resumeJob`. */
  private readonly parked = new Map<string, Array<{ queue: DomainQueue; item: QueueItem }>>();
  private readonly wakeAt = new Map<DomainQueue, number>();
  /** Queues that wanted a connection when a global or VirtualMTA limit was reached. */
  private readonly starved = new Set<DomainQueue>();
  private readonly perVmta = new Map<string, number>();
  /** Domains found to roll up into a `NAME.rollup` queue, and a domain to resolve its MX through. */
  private readonly rolledUp = new Map<string, { queue: string; mxDomain: string }>();
  private total = 0;
  private stopped = false;
  /** Connections of each queue waiting for new mail (connection-idle-timeout): wake-up calls. */
  private readonly idle = new Map<DomainQueue, Set<(more: boolean) => void>>();

  constructor(private readonly options: QueueManagerOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.heap = new TimerHeap(this.clock, (fn) => fn());
    this.vmtas = new VmtaSelector(this.config);
    this.pauses = loadPauseState(options.statePath);
  }

  get connections(): number {
    return this.total;
  }

  get pausedJobs(): readonly string[] {
    return this.pauses.jobs;
  }

  get pausedQueues(): readonly string[] {
    return this.pauses.queues;
  }

  /** Adds a spooled message; recipients already final are skipped. */
  enqueue(envelope: QueueableEnvelope): QueuedMessage {
    const message = QueuedMessage.fromEnvelope(envelope);
    if (message.pending === 0) return message;
    this.messages.set(message.id, message);
    const choice = this.vmtas.pick(message.virtualMta);
    // A selection that no longer exists still gets a queue; delivery bounces it with 5.3.5.
    const vmta = choice?.vmta ?? message.virtualMta ?? DEFAULT_VMTA;
    const byQueue = new Map<DomainQueue, number[]>();
    for (let index = 0; index < message.count; index++) {
      if (message.state(index) !== PENDING) continue;
      const queue = this.routeFor(domainOf(message.recipient(index)), vmta);
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), index]);
    }
    for (const [queue, rcpts] of byQueue) {
      queue.push({ message, rcpts: rcpts.length === 1 && rcpts[0] === 0 ? FIRST_ONLY : rcpts });
      if (queue.retryAt > 0 && queue.settings['retry-upon-new-mail']) queue.retryAt = 0;
      this.poke(queue);
    }
    return message;
  }

  /**
   * The queue a recipient domain's mail joins: a rollup queue it is known to belong to, the
   * `queue-to` target of its <domain> settings, or its own `domain/vmta` queue.
   */
  routeFor(domain: string, vmta: string): DomainQueue {
    const rollup = this.rolledUp.get(domain);
    if (rollup) return this.queueFor(rollup.queue, vmta, rollup.mxDomain);
    const own = this.queueFor(domain, vmta);
    const target = own.settings['queue-to'];
    return target ? this.queueFor(target, vmta) : own;
  }

  /**
   * Delivery found that `queue`'s domain rolls up into `rollup` (its MX hosts matched): the domain's
   * waiting mail moves to `rollup/vmta`, and its future mail goes there directly.
   */
  rollUp(queue: DomainQueue, rollup: string): DomainQueue {
    this.rolledUp.set(queue.domain, { queue: rollup, mxDomain: queue.domain });
    const target = this.queueFor(rollup, queue.vmta, queue.domain);
    for (const item of queue.extract(() => true)) target.push(item);
    this.poke(target);
    return target;
  }

  queueFor(domain: string, vmta: string, mxDomain?: string): DomainQueue {
    const key = `${domain}/${vmta}`;
    let queue = this.queues.get(key);
    if (!queue) {
      const settings = domainSettingsFor(this.config, domain, vmta === DEFAULT_VMTA ? undefined : vmta);
      queue = new DomainQueue(domain, vmta, settings, this.clock.now());
      // A rollup queue resolves the MX of a domain that rolled into it (they all share those hosts).
      if (mxDomain) queue.mxDomain = mxDomain;
      queue.paused = this.pauses.queues.some((p) => queuePatternMatches(p, key));
      this.queues.set(key, queue);
    }
    return queue;
  }

  /**
   * The next item a connection of `queue` should send, its recipients marked in flight; items of
   * paused jobs are set aside and deleted messages dropped on the way.
   */
  take(queue: DomainQueue): QueueItem | undefined {
    // Stopping: connections finish the message they are on and close; the rest stays spooled.
    if (this.stopped) return undefined;
    for (;;) {
      const item = queue.shift();
      if (!item) return undefined;
      const { message } = item;
      if (message.deleted) continue;
      if (message.jobId !== undefined && this.pauses.jobs.includes(message.jobId)) {
        this.parked.set(message.jobId, [...(this.parked.get(message.jobId) ?? []), { queue, item }]);
        continue;
      }
      const pending = item.rcpts.filter((i) => message.state(i) === PENDING);
      if (pending.length === 0) continue;
      // Larger messages are split into transactions of max-rcpt-per-transaction (UG50 §3.3.10.72).
      const limit = queue.settings['max-rcpt-per-transaction'];
      const rcpts = pending.slice(0, limit);
      if (pending.length > limit) queue.unshift({ message, rcpts: pending.slice(limit) });
      for (const i of rcpts) message.setState(i, IN_FLIGHT);
      return { message, rcpts };
    }
  }

  /** Returns an item a connection took but did not attempt (rate limit, connection closing). */
  putBack(queue: DomainQueue, item: QueueItem): void {
    for (const i of item.rcpts) if (item.message.state(i) === IN_FLIGHT) item.message.setState(i, PENDING);
    queue.unshift(item);
  }

  /** Recipients that got a final outcome; the message leaves memory when none is left. */
  finish(message: QueuedMessage, rcpts: readonly number[]): void {
    for (const i of rcpts) message.finish(i);
    if (message.pending === 0) this.messages.delete(message.id);
  }

  /** Recipients to try again at `at` (retry-recipients-after, or the queue's retry time). */
  retryLater(queue: DomainQueue, item: QueueItem, at: number): void {
    for (const i of item.rcpts) {
      item.message.setState(i, PENDING);
      item.message.failed(i);
    }
    queue.later.add(item);
    this.heap.schedule(at, () => {
      // Gone from `later`: deleted, or sent back early by `schedule --retry-recipients`.
      if (!queue.later.delete(item) || item.message.deleted) return;
      queue.push(item);
      this.poke(queue);
    });
  }

  /** A queue-level failure (connection, DNS, 421): no new connection until the next retry interval. */
  queueFailed(queue: DomainQueue, reason: string): number {
    queue.lastError = reason;
    queue.lastErrorAt = this.clock.now();
    const at = queue.enterRetry(this.clock.now());
    this.wake(queue, at);
    return at;
  }

  /** `pmta schedule`: leave retry mode now; with `retryRecipients`, deferred recipients go too. */
  schedule(pattern: string, retryRecipients = false): number {
    let count = 0;
    for (const queue of this.matching(pattern)) {
      queue.retryAt = 0;
      if (retryRecipients) {
        for (const item of queue.later) if (!item.message.deleted) queue.push(item);
        queue.later.clear();
      }
      count++;
      this.poke(queue);
    }
    return count;
  }

  pauseQueue(pattern: string): number {
    if (!this.pauses.queues.includes(pattern)) this.pauses.queues.push(pattern);
    savePauseState(this.options.statePath, this.pauses);
    const queues = this.matching(pattern);
    for (const queue of queues) queue.paused = true;
    return queues.length;
  }

  resumeQueue(pattern: string): number {
    this.pauses.queues = this.pauses.queues.filter((p) => p !== pattern);
    savePauseState(this.options.statePath, this.pauses);
    const queues = this.matching(pattern);
    for (const queue of queues) {
      queue.paused = this.pauses.queues.some((p) => queuePatternMatches(p, queue.key));
      this.poke(queue);
    }
    return queues.length;
  }

  pauseJob(jobId: string): void {
    if (!this.pauses.jobs.includes(jobId)) this.pauses.jobs.push(jobId);
    savePauseState(this.options.statePath, this.pauses);
  }

  resumeJob(jobId: string): void {
    this.pauses.jobs = this.pauses.jobs.filter((j) => j !== jobId);
    savePauseState(this.options.statePath, this.pauses);
    const parked = this.parked.get(jobId) ?? [];
    this.parked.delete(jobId);
    for (const { queue, item } of parked) queue.push(item);
    for (const queue of new Set(parked.map((p) => p.queue))) this.poke(queue);
  }

  /** `delete --jobId` / `--queue`: takes waiting recipients out of the queues and returns them. */
  delete(filter: { jobId?: string; queue?: string }): Removed[] {
    const removed: Removed[] = [];
    const matchItem = (item: QueueItem) => filter.jobId === undefined || item.message.jobId === filter.jobId;
    const queues = filter.queue ? this.matching(filter.queue) : [...this.queues.values()];
    for (const queue of queues) {
      for (const item of queue.extract(matchItem)) removed.push(...this.pending(queue, item));
      // Deferred recipients wait in `later`; their heap entry finds them gone and does nothing.
      for (const item of queue.later) {
        if (!matchItem(item)) continue;
        queue.later.delete(item);
        removed.push(...this.pending(queue, item));
      }
    }
    const inScope = new Set(queues);
    for (const [jobId, parked] of this.parked) {
      if (filter.jobId !== undefined && jobId !== filter.jobId) continue;
      const kept = parked.filter(({ queue }) => !inScope.has(queue));
      for (const { queue, item } of parked)
        if (inScope.has(queue)) removed.push(...this.pending(queue, item));
      if (kept.length > 0) this.parked.set(jobId, kept);
      else this.parked.delete(jobId);
    }
    for (const { message, rcpts } of removed) this.finish(message, rcpts);
    return removed;
  }

  private pending(queue: DomainQueue, item: QueueItem): Removed[] {
    const rcpts = item.rcpts.filter((i) => item.message.state(i) === PENDING);
    return rcpts.length > 0 ? [{ message: item.message, rcpts, queue }] : [];
  }

  /** Items of paused jobs, set aside until their job resumes (show queues counts them). */
  *parkedItems(): Generator<{ queue: DomainQueue; item: QueueItem; jobId: string }> {
    for (const [jobId, parked] of this.parked)
      for (const { queue, item } of parked) yield { queue, item, jobId };
  }

  matching(pattern: string): DomainQueue[] {
    return [...this.queues.values()].filter((q) => queuePatternMatches(pattern, q.key));
  }

  /** A reload: queues pick up their new settings; connections already open keep the old ones. */
  reconfigure(config: OutpostConfig): void {
    this.config = config;
    for (const queue of this.queues.values()) {
      queue.settings = domainSettingsFor(
        config,
        queue.domain,
        queue.vmta === DEFAULT_VMTA ? undefined : queue.vmta,
      );
      this.poke(queue);
    }
  }

  /**
   * For a connection whose queue ran empty (`connection-idle-timeout`): true once mail arrives for
   * the queue within `ms` (this connection takes it, instead of a new one being opened), false when
   * the time is up or the manager stops. The connection keeps its slot while it waits.
   */
  waitForMail(queue: DomainQueue, ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiters = this.idle.get(queue) ?? new Set<(more: boolean) => void>();
      this.idle.set(queue, waiters);
      const wakeUp = (more: boolean) => {
        clearTimeout(timer);
        waiters.delete(wakeUp);
        resolve(more);
      };
      const timer = setTimeout(() => wakeUp(false), ms).unref();
      waiters.add(wakeUp);
    });
  }

  /** Opens as many connections for `queue` as its limits allow now (idle ones get the mail first). */
  poke(queue: DomainQueue): void {
    const waiters = this.idle.get(queue);
    if (waiters && !queue.paused) {
      let items = queue.length;
      for (const wakeUp of waiters) if (items-- > 0) wakeUp(true);
    }
    while (!this.stopped && this.mayOpen(queue)) {
      this.total++;
      queue.connections++;
      this.perVmta.set(queue.vmta, (this.perVmta.get(queue.vmta) ?? 0) + 1);
      void this.options
        .connect(queue)
        .catch((error) =>
          this.options.log.error({ err: error, queue: queue.key }, 'delivery connection failed'),
        )
        .finally(() => {
          this.total--;
          queue.connections--;
          this.perVmta.set(queue.vmta, (this.perVmta.get(queue.vmta) ?? 1) - 1);
          this.poke(queue);
          this.feedStarved();
        });
    }
  }

  private mayOpen(queue: DomainQueue): boolean {
    const now = this.clock.now();
    if (
      queue.mode === 'backoff' &&
      now - queue.backoffSince >= queue.settings['backoff-to-normal-after'] * 1000
    ) {
      queue.setMode('normal', now);
    }
    if (queue.paused || queue.length <= queue.connections) return false;
    if (queue.retryAt > now) return false;
    if (queue.connections >= queue.connectionLimit()) return false;
    const vmtaLimit =
      this.config.virtualMtas.get(queue.vmta)?.settings['max-smtp-out'] ?? Number.MAX_SAFE_INTEGER;
    if (
      this.total >= this.config.global['total-max-smtp-out'] ||
      (this.perVmta.get(queue.vmta) ?? 0) >= vmtaLimit
    ) {
      this.starved.add(queue);
      return false;
    }
    if (!queue.connectRate.tryTake(now)) {
      this.wake(queue, queue.connectRate.nextAt(now));
      return false;
    }
    return true;
  }

  /** A slot freed up: give it to the waiting queue with the highest queue-priority. */
  private feedStarved(): void {
    const waiting = [...this.starved].sort(
      (a, b) => b.settings['queue-priority'] - a.settings['queue-priority'],
    );
    this.starved.clear();
    for (const queue of waiting) this.poke(queue);
  }

  /** Pokes `queue` at `at` (one pending wake-up per queue, the earliest). */
  wake(queue: DomainQueue, at: number): void {
    const pending = this.wakeAt.get(queue);
    if (pending !== undefined && pending <= at) return;
    this.wakeAt.set(queue, at);
    this.heap.schedule(at, () => {
      if (this.wakeAt.get(queue) !== at) return;
      this.wakeAt.delete(queue);
      this.poke(queue);
    });
  }

  /** Runs whatever is due (tests with a manual clock call this after moving time). */
  runDue(): void {
    this.heap.runDue();
  }

  stop(): void {
    this.stopped = true;
    for (const waiters of this.idle.values()) for (const wakeUp of waiters) wakeUp(false);
    this.heap.stop();
  }
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return normalizeDomain(at >= 0 ? address.slice(at + 1) : address);
}
