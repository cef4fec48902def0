// What the management routes accept, checked at the boundary (zod): a request that does not fit
// gets a 400 naming the parameter, and nothing is done.
import { z } from 'zod';
import type { OutpostConfig } from '../config/index.js';
import type { ListOptions, QueueFilter } from './views/list.js';

const yesNo = z.enum(['yes', 'no', 'true', 'false']).transform((v) => v === 'yes' || v === 'true');

// `domain[/vmta]` with `*` wildcards (`pmta pause queue */customer1`).
export const queuePattern = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9*_.\-[\]:]+(\/[A-Za-z0-9*_.\-{}]+)?$/, 'expected DOMAIN[/VMTA] (wildcards: *)');

/** Job ids are X-Job values: printable ASCII without spaces (powermta.md §5.1). */
export const jobId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'a job id is printable ASCII without spaces');

export const listQuery = z.object({
  maxitems: z.coerce.number().int().min(0).max(1_000_000).optional(),
  sort: z.enum(['name', 'rcpt', 'size']).optional(),
  queue: queuePattern.optional(),
  vmta: z.string().max(200).optional(),
  paused: yesNo.optional(),
  connected: yesNo.optional(),
  mode: z.enum(['normal', 'backoff']).optional(),
  errors: yesNo.optional(),
  format: z.enum(['json', 'xml']).optional(),
});

export function listOptions(config: OutpostConfig, q: z.infer<typeof listQuery>): ListOptions {
  return {
    maxitems: q.maxitems ?? config.global['http-default-max-items'],
    sort: q.sort ?? config.global['http-default-sort-order'],
  };
}

export function queueFilter(q: z.infer<typeof listQuery>): QueueFilter {
  const f: QueueFilter = {};
  if (q.queue !== undefined) f.queue = q.queue;
  if (q.vmta !== undefined) f.vmta = q.vmta;
  if (q.paused !== undefined) f.paused = q.paused;
  if (q.connected !== undefined) f.connected = q.connected;
  if (q.mode !== undefined) f.mode = q.mode;
  if (q.errors !== undefined) f.errors = q.errors;
  return f;
}

export const queueParam = z.object({ queue: queuePattern });
export const domainParam = z.object({ domain: z.string().min(1).max(255) });
export const jobParam = z.object({ jobid: jobId });
export const jobBody = z.object({ jobId });
export const scheduleBody = z.object({ queue: queuePattern, retryRecipients: z.boolean().optional() });
export const deleteBody = z
  .object({ queue: queuePattern.optional(), jobId: jobId.optional() })
  .refine((b) => b.queue !== undefined || b.jobId !== undefined, 'delete needs --queue or --jobId');
export const rotateBody = z.object({ what: z.enum(['acct', 'log']) });

/** The first problem, as `name: message`. */
export function problem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
