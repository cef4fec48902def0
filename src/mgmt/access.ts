// Who may do what on the management port (reference powermta.md §2.10): `http-access CIDR LEVEL`
// lines, first match wins, no match is `none`; a valid `http-api-key` in X-API-Key is admin from
// anywhere. Levels: monitor reads, operator also sees the configuration and runs commands (pause,
// resume, schedule, reload, rotate), admin may also delete mail. With http-csrf-protection (the
// default) a state-changing request needs the API key or the X-CSRF-Token the port hands out, so a
// web page a browser happens to visit cannot post to it.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpAccessLevel } from '../config/directives/global.js';
import { cidrContains, type OutpostConfig } from '../config/index.js';

export type Level = HttpAccessLevel;
const RANK: Record<Level, number> = { none: 0, monitor: 1, operator: 2, admin: 3 };

export interface Caller {
  level: Level;
  /** `monitor,deny-logs`: may not read the log. */
  denyLogs: boolean;
  /** Authenticated by API key (CSRF does not apply: browsers do not send it by themselves). */
  byKey: boolean;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function keyMatches(config: OutpostConfig, presented: string | undefined): boolean {
  if (!presented) return false;
  const wanted = digest(presented);
  return config.global['http-api-key'].some((key) => timingSafeEqual(digest(key), wanted));
}

export function callerFor(config: OutpostConfig, ip: string, apiKey: string | undefined): Caller {
  if (keyMatches(config, apiKey)) return { level: 'admin', denyLogs: false, byKey: true };
  const rule = config.global['http-access'].find((r) => cidrContains(r.cidr, ip));
  return { level: rule?.level ?? 'none', denyLogs: rule?.denyLogs ?? false, byKey: false };
}

export function allows(caller: Caller, needed: Level): boolean {
  return RANK[caller.level] >= RANK[needed];
}

/** CSRF tokens: an HMAC under a secret made at start, so no state is kept per client. */
export class CsrfTokens {
  private readonly secret = randomBytes(32);

  issue(): string {
    return createHmac('sha256', this.secret).update('outpost-mgmt').digest('base64url');
  }

  valid(token: string | undefined): boolean {
    if (!token) return false;
    const expected = Buffer.from(this.issue());
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
