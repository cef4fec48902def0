// The management verbs, shared by the HTTP routes (and through them the CLI and the web monitor):
// views of the running MTA and the commands that act on it. Each throws MgmtError with an HTTP
// status and a plain message for bad input or a part that is not running; nothing is changed then.
import { domainSettingsFor, formatDiagnostic, normalizeDomain, plain } from '../config/index.js';
import { DEFAULT_VMTA } from '../queue/vmta.js';
import type { RuntimeParts } from './parts.js';
import {
  filterQueues,
  groupName,
  type ListOptions,
  type QueueFilter,
  queueName,
  sortAndCut,
} from './views/list.js';
import { groupRows, itemsOf, jobRows, pendingOf, queueRows } from './views/queues.js';

export class MgmtError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly data: unknown = {},
  ) {
    super(message);
    this.name = 'MgmtError';
  }
}

function manager(parts: RuntimeParts) {
  const m = parts.delivery?.manager;
  if (!m) throw new MgmtError(503, 'this process does not deliver mail (no queues)');
  return m;
}

/** `domain/vmta` → its parts; a bare domain means the {default} VirtualMTA. */
function splitQueue(queue: string): { domain: string; vmta: string } {
  const slash = queue.indexOf('/');
  return slash < 0
    ? { domain: normalizeDomain(queue), vmta: DEFAULT_VMTA }
    : { domain: normalizeDomain(queue.slice(0, slash)), vmta: queue.slice(slash + 1) };
}

export const views = {
  queues(parts: RuntimeParts, filter: QueueFilter, options: ListOptions) {
    const { items, total } = sortAndCut(filterQueues(queueRows(parts), filter), queueName, options);
    return { queues: items, total };
  },

  queueDetail(parts: RuntimeParts, queue: string) {
    const row = queueRows(parts).find((r) => r.queue.toLowerCase() === queue.toLowerCase());
    if (!row) throw new MgmtError(404, `no queue ${queue}`);
    const jobs = new Map<string, number>();
    const queueObject = manager(parts).queues.get(row.queue)!;
    for (const item of itemsOf(manager(parts), queueObject)) {
      const jobId = item.message.jobId ?? '';
      jobs.set(jobId, (jobs.get(jobId) ?? 0) + pendingOf(item));
    }
    return { queue: row, jobs: [...jobs].map(([jobId, rcp]) => ({ jobId, rcp })) };
  },

  domains(parts: RuntimeParts, filter: QueueFilter, options: ListOptions) {
    const rows = groupRows(filterQueues(queueRows(parts), filter), 'domain');
    const { items, total } = sortAndCut(rows, groupName, options);
    return { domains: items, total };
  },

  domainDetail(parts: RuntimeParts, domain: string) {
    const wanted = normalizeDomain(domain);
    const queues = queueRows(parts).filter((r) => r.domain === wanted);
    if (queues.length === 0) throw new MgmtError(404, `no queue for domain ${domain}`);
    return { domain: groupRows(queues, 'domain')[0], queues };
  },

  vmtas(parts: RuntimeParts, options: ListOptions) {
    const rows = groupRows(queueRows(parts), 'vmta');
    for (const name of parts.config().virtualMtas.keys())
      if (!rows.some((r) => r.name === name)) rows.push({ name, rcp: 0, kb: 0, conn: 0, queues: 0 });
    const all = rows.reduce((sum, r) => sum + r.rcp, 0);
    const withShare = rows.map((r) => ({
      ...r,
      domains: r.queues,
      pctTotal: all ? Math.round((1000 * r.rcp) / all) / 10 : 0,
    }));
    const { items, total } = sortAndCut(withShare, groupName, options);
    return { vmtas: items, total };
  },

  jobs(parts: RuntimeParts, options: ListOptions) {
    const { items, total } = sortAndCut(jobRows(parts), (j) => j.jobId, options);
    return { jobs: items, total };
  },

  jobDetail(parts: RuntimeParts, jobId: string) {
    const job = jobRows(parts).find((j) => j.jobId === jobId);
    if (!job) throw new MgmtError(404, `no queued mail and no pause for job ${jobId}`);
    return { job };
  },

  /** `show settings domain[/vmta]`: the queue's effective settings and its VirtualMTA's. */
  settings(parts: RuntimeParts, queue: string) {
    const config = parts.config();
    const { domain, vmta } = splitQueue(queue);
    const named = vmta === DEFAULT_VMTA ? undefined : vmta;
    if (named && !config.virtualMtas.has(named)) throw new MgmtError(404, `no VirtualMTA named ${named}`);
    return {
      queue: `${domain}/${vmta}`,
      domain: plain(domainSettingsFor(config, domain, named)),
      ...(named ? { vmta: plain(config.virtualMtas.get(named)!.settings) } : {}),
    };
  },
};

export const commands = {
  pauseQueue(parts: RuntimeParts, pattern: string) {
    return { queue: pattern, matched: manager(parts).pauseQueue(pattern) };
  },

  resumeQueue(parts: RuntimeParts, pattern: string) {
    return { queue: pattern, matched: manager(parts).resumeQueue(pattern) };
  },

  pauseJob(parts: RuntimeParts, jobId: string) {
    manager(parts).pauseJob(jobId);
    return { jobId };
  },

  resumeJob(parts: RuntimeParts, jobId: string) {
    manager(parts).resumeJob(jobId);
    return { jobId };
  },

  schedule(parts: RuntimeParts, pattern: string, retryRecipients: boolean) {
    return { queue: pattern, matched: manager(parts).schedule(pattern, retryRecipients) };
  },

  async delete(parts: RuntimeParts, filter: { queue?: string; jobId?: string }) {
    if (filter.queue === undefined && filter.jobId === undefined)
      throw new MgmtError(400, 'delete needs --queue or --jobId');
    manager(parts);
    return { ...filter, deleted: await parts.delivery!.delete(filter) };
  },

  async reload(parts: RuntimeParts) {
    const result = await parts.reload();
    const lines = result.diagnostics.map(formatDiagnostic);
    if (!result.ok) {
      const reason = result.error ?? 'the configuration has errors';
      throw new MgmtError(422, `reload refused: ${reason}; the running configuration stays`, {
        file: result.file,
        diagnostics: lines,
      });
    }
    return { file: result.file, diagnostics: lines, restartNeeded: result.restartNeeded };
  },

  async rotate(parts: RuntimeParts, what: 'acct' | 'log') {
    if (what === 'acct') {
      if (!parts.accounting) throw new MgmtError(404, 'no <acct-file> is configured');
      await parts.accounting.rotate();
    } else {
      if (!parts.logFile?.path)
        throw new MgmtError(404, 'no log-file is configured (the log goes to stderr)');
      await parts.logFile.rotate();
    }
    return { rotated: what };
  },
};
