// What the sink answers at RCPT TO, per recipient, the way a mailbox provider decides: first the
// sending IP's reputation (block), then greylisting, then the mailbox itself (unknown, full), then
// load (defer). Decisions come from `Chance`, so they are reproducible; what must be remembered
// between attempts (greylist triplets, how often a recipient was tried) lives here, in memory.
import type { Chance } from './chance.js';
import { type ReplyKind, ruleFor, type SinkConfig, type SinkRule } from './rules.js';

/** Generic texts, used where a rule's `replies` does not set one. `{rcpt}`, `{ip}`, `{seconds}` are filled in. */
const GENERIC_REPLIES: Record<ReplyKind, string> = {
  accept: '250 2.1.5 <{rcpt}> ok',
  defer: '451 4.7.1 temporary failure, please try again later',
  block: '550 5.7.1 message from {ip} rejected by policy',
  'unknown-user': '550 5.1.1 <{rcpt}>: no such user',
  'mailbox-full': '452 4.2.2 <{rcpt}>: mailbox full',
  greylist: '451 4.7.1 <{rcpt}>: greylisted, try again in {seconds} seconds',
  'too-many-connections': '421 4.7.0 too many connections from {ip}',
};

export interface Verdict {
  kind: ReplyKind;
  /** The full reply line, e.g. `550 5.1.1 <a@b>: no such user`. */
  reply: string;
  /** 421: the sink closes the connection after this reply. */
  close: boolean;
  rule: SinkRule | undefined;
}

export interface Asking {
  clientIp: string;
  from: string;
  rcpt: string;
}

export class Provider {
  /** Greylist triplet → when it was first seen, or `passed` once let through. */
  private readonly greylist = new Map<string, number | 'passed'>();
  /** `from|rcpt` → RCPT attempts so far: a deferred recipient is decided afresh on each retry. */
  private readonly attempts = new Map<string, number>();
  /** `ip|rule index` → open connections that are sending to that rule's domains. */
  private readonly connections = new Map<string, number>();

  constructor(
    readonly config: SinkConfig,
    private readonly chance: Chance,
    private readonly now: () => number = Date.now,
  ) {}

  ruleFor(domain: string): SinkRule | undefined {
    return ruleFor(this.config, domain);
  }

  /** Counts a connection against its rule's `max-connections`; a verdict when it is one too many. */
  openConnection(clientIp: string, rule: SinkRule | undefined): { release: () => void; refused?: Verdict } {
    if (!rule) return { release: () => {} };
    const key = `${clientIp}|${this.config.rules.indexOf(rule)}`;
    const open = this.connections.get(key) ?? 0;
    if (rule['max-connections'] !== undefined && open >= rule['max-connections']) {
      const verdict = this.verdict('too-many-connections', rule, { clientIp, from: '', rcpt: '' });
      return { release: () => {}, refused: verdict };
    }
    this.connections.set(key, open + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.connections.get(key) ?? 1) - 1;
        if (left <= 0) this.connections.delete(key);
        else this.connections.set(key, left);
      },
    };
  }

  rcpt(asking: Asking): Verdict {
    const { clientIp, from, rcpt } = asking;
    const rule = this.ruleFor(rcpt.slice(rcpt.lastIndexOf('@') + 1));
    if (!rule) return this.verdict('accept', rule, asking);
    const attemptKey = `${from}|${rcpt}`;
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    this.attempts.set(attemptKey, attempt);
    const c = this.chance;
    if (c.hit(rule.block, 'block', clientIp, rcpt)) return this.verdict('block', rule, asking);
    const greylisted = this.greylisted(rule, asking);
    if (greylisted) return greylisted;
    if (c.hit(rule['unknown-user'], 'unknown-user', rcpt)) return this.verdict('unknown-user', rule, asking);
    if (c.hit(rule['mailbox-full'], 'mailbox-full', rcpt, attempt))
      return this.verdict('mailbox-full', rule, asking);
    if (c.hit(rule.defer, 'defer', rcpt, attempt)) return this.verdict('defer', rule, asking);
    return this.verdict('accept', rule, asking);
  }

  private greylisted(rule: SinkRule, asking: Asking): Verdict | undefined {
    const triplet = `${asking.clientIp}|${asking.from}|${asking.rcpt}`;
    if (!this.chance.hit(rule.greylist, 'greylist', triplet)) return undefined;
    const seen = this.greylist.get(triplet);
    if (seen === 'passed') return undefined;
    const now = this.now();
    if (seen === undefined) {
      this.greylist.set(triplet, now);
      return this.verdict('greylist', rule, asking);
    }
    const wait = rule['greylist-seconds'] * 1000 - (now - seen);
    if (wait > 0) return this.verdict('greylist', rule, asking, Math.ceil(wait / 1000));
    this.greylist.set(triplet, 'passed');
    return undefined;
  }

  private verdict(kind: ReplyKind, rule: SinkRule | undefined, asking: Asking, seconds?: number): Verdict {
    const template = rule?.replies[kind] ?? GENERIC_REPLIES[kind];
    const reply = template
      .replaceAll('{rcpt}', asking.rcpt)
      .replaceAll('{ip}', asking.clientIp)
      .replaceAll('{seconds}', String(seconds ?? rule?.['greylist-seconds'] ?? 0));
    return { kind, reply, close: reply.startsWith('421'), rule };
  }
}
