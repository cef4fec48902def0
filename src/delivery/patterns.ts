// `<smtp-pattern-list>` on replies (powermta.md §6.3): the first rule whose regex matches decides.
// mode=backoff / mode=normal switch the queue's mode; bounce-rcpt turns a 4xx into a bounce;
// defer-queue puts the queue into retry mode; bounce-queue is reported to the caller.
import type { DomainQueue } from '../queue/domain-queue.js';
import type { QueueManager } from '../queue/manager.js';

export interface PatternAction {
  bounceRcpt: boolean;
  deferQueue: boolean;
  bounceQueue: boolean;
  skipMx: boolean;
}

const NONE: PatternAction = { bounceRcpt: false, deferQueue: false, bounceQueue: false, skipMx: false };

export function applyPatterns(manager: QueueManager, queue: DomainQueue, reply: string): PatternAction {
  const name = queue.settings['smtp-pattern-list'];
  const rules = name ? manager.config.smtpPatternLists.get(name) : undefined;
  const rule = rules?.find((r) => r.regex.test(reply));
  if (!rule) return NONE;
  const now = manager.clock.now();
  if (rule.actions.includes('mode=backoff') && queue.mode !== 'backoff') {
    queue.setMode('backoff', now);
    const after = queue.settings['backoff-to-normal-after'];
    if (Number.isFinite(after)) manager.wake(queue, now + after * 1000);
  }
  if (rule.actions.includes('mode=normal')) queue.setMode('normal', now);
  return {
    bounceRcpt: rule.actions.includes('bounce-rcpt'),
    deferQueue: rule.actions.includes('defer-queue'),
    bounceQueue: rule.actions.includes('bounce-queue'),
    skipMx: rule.actions.includes('skip-mx'),
  };
}
