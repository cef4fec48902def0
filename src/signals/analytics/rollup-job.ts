// Keeps the cohort rollup (store/cohorts.ts) in step with the events. A day stays open while
// events that change it can still arrive: uploads may be 24 hours late (§1.2) and a day's messages
// are followed for two days (opens, complaints; SparkPost processes its behaviour charts 48 h after
// sending, §6.4). Today is recomputed within seconds of new events, the other open days a little
// later; a day past its horizon gets one final computation and is left alone.
import type { Logger } from '../../logging.js';
import { MAX_CLOCK_SKEW, MAX_EVENT_AGE } from '../ingest/normalize.js';
import { timeRange } from '../store/query.js';
import type { TrapCounting } from '../store/trap-days.js';
import type { EventStore } from '../store/types.js';
import { DAY } from './params.js';
import { cohortSpec } from './rollup-spec.js';

/** Events of a day's messages are counted up to two days after the day starts. */
export const OUTCOME_HORIZON = 2 * DAY;
/** After this, no event inside the horizon can arrive any more. */
export const FINAL_AFTER = OUTCOME_HORIZON + MAX_EVENT_AGE + MAX_CLOCK_SKEW;

export interface RollupJobOptions {
  store: EventStore;
  /** Milliseconds since the epoch. */
  now: () => number;
  log: Logger;
  /** Seconds of events kept: older rollup days are dropped too. */
  retention: number;
  /** How often to look for new events (ms). */
  checkEvery?: number;
  /** The spam-trap list now (its hits are counted with each day, and recounted when it changes). */
  traps?: () => TrapCounting | undefined;
  /**
   * True while uploads wait to be stored (the ingest backlog). Today is then recomputed as rarely
   * as the other open days: each computation rereads the whole day, and during a sustained upload
   * it took about a tenth of the ingest rate (bench/signals), for a figure outdated seconds later.
   */
  busy?: () => boolean;
}

/** The least time between two computations of today while the ingest has a backlog. */
export const BUSY_WAIT_MS = 30_000;

export class CohortRollupJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Event count (over the open days) when each open day was last computed. */
  private readonly seen = new Map<number, { count: number; at: number; took: number }>();
  private lastSweep = Number.NEGATIVE_INFINITY;
  private lastError = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: RollupJobOptions) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.checkEvery ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs one pass unless one is running; resolves when the pass ends. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((error) => {
        // A store that is down fails every pass: say so once a minute, not every two seconds.
        if (Date.now() - this.lastError < 60_000) return;
        this.lastError = Date.now();
        this.options.log.error({ err: error }, 'cohort rollup failed; retrying every few seconds');
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const nowMs = this.options.now();
    const now = Math.floor(nowMs / 1000);
    const traps = this.options.traps?.();
    // A changed list recounts every day at once (one pass over the stored sends); until then the
    // reports count from the events, so they never mix two lists.
    if (traps) await this.options.store.countTrapDays(traps);
    if (nowMs - this.lastSweep >= 3_600_000) {
      await this.sweep(now, traps);
      this.lastSweep = nowMs;
    }
    const today = Math.floor(now / DAY) * DAY;
    const firstOpen = firstOpenDay(now);
    const count = await this.options.store.count(timeRange(firstOpen, now + MAX_CLOCK_SKEW + 1));
    for (let day = today; day >= firstOpen; day -= DAY) {
      const seen = this.seen.get(day);
      if (seen?.count === count) continue;
      // Today follows new events within seconds, older open days within a minute or so: the wait
      // grows with what the day costs to compute, so a big store spends a bounded share of CPU.
      // Real time, not the injected clock: this limits CPU, and tests may stop their clock.
      const took = seen?.took ?? 0;
      let wait = Math.max(1000, 50 * took);
      if (day === today)
        wait = this.options.busy?.() ? Math.max(BUSY_WAIT_MS, wait) : Math.max(1000, 4 * took);
      if (seen && Date.now() - seen.at < wait) continue;
      const started = Date.now();
      await this.options.store.computeCohortDay({ ...cohortSpec(day, untilFor(day, now), false), traps });
      this.seen.set(day, { count, at: started, took: Date.now() - started });
    }
    for (const day of this.seen.keys()) if (day < firstOpen) this.seen.delete(day);
  }

  /** Hourly: drops days past retention and gives every closed day with sends its final computation. */
  private async sweep(now: number, traps: TrapCounting | undefined): Promise<void> {
    const { store, retention } = this.options;
    const oldest = Math.floor((now - retention) / DAY) * DAY;
    await store.dropCohortDaysBefore(oldest);
    const states = new Map((await store.cohortDays()).map((s) => [s.day, s]));
    const days = await store.aggregate({
      where: timeRange(oldest, firstOpenDay(now)),
      groupBy: [{ bucket: { size: DAY, offsets: [] } }],
      measures: { sends: { count: true, where: { column: 'type', in: ['injection'] } } },
    });
    const closed = days
      .filter((r) => r.values.sends! > 0)
      .map((r) => r.keys[0] as number)
      .filter((day) => day + FINAL_AFTER <= now && !states.get(day)?.final)
      .sort((a, b) => a - b);
    for (const day of closed) {
      await store.computeCohortDay({ ...cohortSpec(day, untilFor(day, now), true), traps });
    }
    if (closed.length) this.options.log.info({ days: closed.length }, 'cohort rollup: closed days computed');
  }
}

/** The oldest day that can still change: day + FINAL_AFTER is still ahead. */
function firstOpenDay(now: number): number {
  return Math.floor((now - FINAL_AFTER) / DAY) * DAY + DAY;
}

function untilFor(day: number, now: number): number {
  return Math.min(day + OUTCOME_HORIZON, now + MAX_CLOCK_SKEW + 1);
}
