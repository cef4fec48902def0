// `show queues`, `show domains`, `show vmtas`, `show jobs`: one row per queue, built from the
// queue manager, then grouped. A queue's recipients are those in line, those waiting for their
// retry-recipients-after time and those set aside for a paused job: everything still to deliver.
import type { DomainQueue } from '../../queue/domain-queue.js';
import type { QueueManager } from '../../queue/manager.js';
import { PENDING, type QueueItem } from '../../queue/message.js';
import type { RuntimeParts } from '../parts.js';

export interface QueueRow {
  queue: string;
  domain: string;
  vmta: string;
  rcp: number;
  kb: number;
  conn: number;
  paused: boolean;
  mode: 'normal' | 'backoff';
  /** In retry mode: no new connection before `nextRetry`. */
  retry: boolean;
  nextRetry?: string;
  lastError?: string;
  lastErrorTime?: string;
  delivered: number;
  failed: number;
  waiting: { ready: number; retry: number; pausedJob: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function pendingOf(item: QueueItem): number {
  let n = 0;
  for (const i of item.rcpts) if (item.message.state(i) === PENDING) n++;
  return n;
}

function rowFor(
  manager: QueueManager,
  queue: DomainQueue,
  held: Map<DomainQueue, { rcp: number; bytes: number }>,
): QueueRow {
  const now = manager.clock.now();
  let retryRcp = 0;
  let retryBytes = 0;
  for (const item of queue.later) {
    retryRcp += pendingOf(item);
    retryBytes += item.message.size;
  }
  const parked = held.get(queue) ?? { rcp: 0, bytes: 0 };
  const row: QueueRow = {
    queue: queue.key,
    domain: queue.domain,
    vmta: queue.vmta,
    rcp: queue.recipients + retryRcp + parked.rcp,
    kb: Math.round((queue.bytes + retryBytes + parked.bytes) / 1024),
    conn: queue.connections,
    paused: queue.paused,
    mode: queue.mode,
    retry: queue.retryAt > now,
    delivered: queue.delivered,
    failed: queue.failed,
    waiting: { ready: queue.recipients, retry: retryRcp, pausedJob: parked.rcp },
  };
  if (row.retry) row.nextRetry = iso(queue.retryAt);
  if (queue.lastError !== undefined) {
    row.lastError = queue.lastError;
    row.lastErrorTime = iso(queue.lastErrorAt);
  }
  return row;
}

/** Every item of `queue` still to deliver: in line, waiting for a retry, set aside for a paused job. */
export function* itemsOf(manager: QueueManager, queue: DomainQueue): Generator<QueueItem> {
  const ready: QueueItem[] = [];
  queue.forEach((item) => {
    ready.push(item);
  });
  yield* ready;
  yield* queue.later;
  for (const parked of manager.parkedItems()) if (parked.queue === queue) yield parked.item;
}

export function queueRows(parts: RuntimeParts): QueueRow[] {
  const manager = parts.delivery?.manager;
  if (!manager) return [];
  const held = new Map<DomainQueue, { rcp: number; bytes: number }>();
  for (const { queue, item } of manager.parkedItems()) {
    const h = held.get(queue) ?? { rcp: 0, bytes: 0 };
    h.rcp += pendingOf(item);
    h.bytes += item.message.size;
    held.set(queue, h);
  }
  return [...manager.queues.values()].map((q) => rowFor(manager, q, held));
}

export interface GroupRow {
  name: string;
  rcp: number;
  kb: number;
  conn: number;
  queues: number;
  lastError?: string;
  lastErrorTime?: string;
}

/** Rows grouped by domain or VirtualMTA; the latest error of the group's queues is kept. */
export function groupRows(rows: QueueRow[], by: 'domain' | 'vmta'): GroupRow[] {
  const groups = new Map<string, GroupRow>();
  for (const row of rows) {
    const name = row[by];
    const g = groups.get(name) ?? { name, rcp: 0, kb: 0, conn: 0, queues: 0 };
    g.rcp += row.rcp;
    g.kb += row.kb;
    g.conn += row.conn;
    g.queues += row.rcp > 0 ? 1 : 0;
    if (row.lastErrorTime && (!g.lastErrorTime || row.lastErrorTime > g.lastErrorTime)) {
      g.lastError = row.lastError;
      g.lastErrorTime = row.lastErrorTime;
    }
    groups.set(name, g);
  }
  return [...groups.values()];
}

export interface JobRow {
  jobId: string;
  rcp: number;
  msg: number;
  kb: number;
  paused: boolean;
}

/** Jobs with mail still queued, and paused jobs (even with nothing queued yet). */
export function jobRows(parts: RuntimeParts): JobRow[] {
  const manager = parts.delivery?.manager;
  if (!manager) return [];
  const jobs = new Map<string, JobRow>();
  const row = (jobId: string) => {
    let r = jobs.get(jobId);
    if (!r) {
      r = { jobId, rcp: 0, msg: 0, kb: 0, paused: manager.pausedJobs.includes(jobId) };
      jobs.set(jobId, r);
    }
    return r;
  };
  for (const message of manager.messages.values()) {
    if (message.jobId === undefined || message.pending === 0) continue;
    const r = row(message.jobId);
    r.rcp += message.pending;
    r.msg++;
    r.kb += message.size / 1024;
  }
  for (const jobId of manager.pausedJobs) row(jobId);
  return [...jobs.values()].map((r) => ({ ...r, kb: Math.round(r.kb) }));
}
