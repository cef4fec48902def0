// SMTP AUTH (RFC 4954) against `<smtp-user>` entries (powermta.md §2.3): PLAIN (RFC 4616), LOGIN and
// CRAM-MD5 (RFC 2195; PowerMTA offers it whenever AUTH is on, and it needs the plaintext passwords
// PowerMTA's config holds anyway). Plus the per-client lock-out of `smtp-max-auth-failure-rate`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Rate, SmtpUser } from '../config/index.js';

export const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

/** PLAIN and LOGIN send the password itself; `allow-unencrypted-plain-auth` governs them. */
export const sendsPassword = (m: Mechanism) => m !== 'CRAM-MD5';

/** A step of the dialogue: a 334 challenge and what to do with the answer, or the outcome. */
export type AuthStep =
  | { challenge: string; next: (answer: string) => AuthStep }
  | { user: string; password: string }
  | { user: string; cramResponse: string; cramChallenge: string }
  | { error: 'cancelled' | 'bad-base64' | 'malformed' };

function decode(text: string): string | undefined {
  if (text === '=') return '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Wraps a step that reads one base64 answer, handling `*` (cancel) and bad base64. */
function ask(challenge: string, then: (decoded: string) => AuthStep): AuthStep {
  return {
    challenge,
    next: (answer) => {
      if (answer === '*') return { error: 'cancelled' };
      const decoded = decode(answer);
      return decoded === undefined ? { error: 'bad-base64' } : then(decoded);
    },
  };
}

function plain(decoded: string): AuthStep {
  const parts = decoded.split('\0');
  if (parts.length !== 3) return { error: 'malformed' };
  const [authzid, user, password] = parts as [string, string, string];
  // Acting as another identity is not something <smtp-user> can grant.
  if (authzid !== '' && authzid !== user) return { user: '', password: '' };
  return { user, password };
}

/** The first step of AUTH MECHANISM [INITIAL-RESPONSE]. */
export function startAuth(mechanism: Mechanism, initial: string | undefined, hostName: string): AuthStep {
  const withInitial = (step: AuthStep) =>
    initial === undefined ? step : 'next' in step ? step.next(initial) : step;
  switch (mechanism) {
    case 'PLAIN':
      return withInitial(ask('', plain));
    case 'LOGIN':
      return withInitial(
        ask(b64('Username:'), (user) => ask(b64('Password:'), (password) => ({ user, password }))),
      );
    case 'CRAM-MD5': {
      const challenge = `<${randomBytes(8).toString('hex')}.${Date.now()}@${hostName}>`;
      return ask(b64(challenge), (answer) => {
        const space = answer.lastIndexOf(' ');
        if (space <= 0) return { error: 'malformed' };
        return {
          user: answer.slice(0, space),
          cramResponse: answer.slice(space + 1),
          cramChallenge: challenge,
        };
      });
    }
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks the credentials of a finished dialogue; the user name when they are right. */
export function verify(users: ReadonlyMap<string, SmtpUser>, step: AuthStep): string | undefined {
  if (!('user' in step)) return undefined;
  const entry = users.get(step.user);
  const password = entry?.settings.password;
  // `system` and `certificate` authentication are not supported: such users cannot log in.
  if (entry?.settings['authentication-method'] !== 'password' || password === undefined) return undefined;
  if ('password' in step) return sameText(step.password, password) ? step.user : undefined;
  const expected = createHmac('md5', password).update(step.cramChallenge).digest('hex');
  return sameText(step.cramResponse.toLowerCase(), expected) ? step.user : undefined;
}

/**
 * `smtp-max-auth-failure-rate N/T`: after N failures from one client address within T, counted from
 * the first failure, further AUTH attempts are refused until T has passed (UG50 §3.3.7.7).
 */
export class AuthLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  locked(ip: string, rate: Rate): boolean {
    const window = this.windows.get(ip);
    if (!window) return false;
    if (this.now() - window.start >= rate.seconds * 1000) {
      this.windows.delete(ip);
      return false;
    }
    return window.failures >= rate.count;
  }

  failed(ip: string, rate: Rate): void {
    if (!Number.isFinite(rate.count)) return;
    const now = this.now();
    const window = this.windows.get(ip);
    if (window && now - window.start < rate.seconds * 1000) window.failures++;
    else {
      if (this.windows.size >= 100_000) this.prune(now, rate);
      this.windows.set(ip, { start: now, failures: 1 });
    }
  }

  private prune(now: number, rate: Rate): void {
    for (const [ip, w] of this.windows) if (now - w.start >= rate.seconds * 1000) this.windows.delete(ip);
  }
}
