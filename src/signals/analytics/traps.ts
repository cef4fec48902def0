// The spam-trap list of `spam-trap-list FILE` in <signals-server>. SparkPost matches sends against
// trap networks it never reveals (reference sparkpost-api.md §6.5); a self-hosted server can only
// match against traps its operator knows, so the list is a file: one trap per line, its kind
// first, then an address or a whole domain.
//
//   # kind    address or @domain
//   recycled  old.customer@example.com
//   typo      @gmial.com
//   parked    @expired-brand.example
//
// Events in privacy mode carry only rcpt_hash: an address entry also matches the SHA-1 of the
// address, hex or base64 (both encodings are in use, §1.4). The file is read again when it
// changes; a broken edit keeps the previous list and is logged.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../../logging.js';
import type { Condition } from '../store/query.js';
import { TRAP_KINDS, type TrapCounting, type TrapKind } from '../store/trap-days.js';

export { TRAP_KINDS, type TrapKind };

export interface TrapSet {
  addresses: Record<TrapKind, string[]>;
  domains: Record<TrapKind, string[]>;
  hashes: Record<TrapKind, string[]>;
  size: number;
}

export class TrapListError extends Error {
  override name = 'TrapListError';
}

const ADDRESS = /^[^\s@]+@[a-z0-9.-]+\.[a-z0-9-]+$/;
const DOMAIN = /^@[a-z0-9.-]+\.[a-z0-9-]+$/;

const empty = (): Record<TrapKind, string[]> => ({ recycled: [], typo: [], parked: [] });

export const NO_TRAPS: TrapSet = { addresses: empty(), domains: empty(), hashes: empty(), size: 0 };

/** Parses the file's text; errors name the file and line (like `outpost config check`). */
export function parseTrapList(text: string, file: string): TrapSet {
  const set: TrapSet = { addresses: empty(), domains: empty(), hashes: empty(), size: 0 };
  const seen = new Map<string, { kind: TrapKind; line: number }>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*/, '').trim();
    if (content === '') return;
    const fail = (message: string): never => {
      throw new TrapListError(`${file}:${line}: ${message}`);
    };
    const [kind, entry, extra] = content.split(/\s+/);
    if (!(TRAP_KINDS as readonly string[]).includes(kind!))
      fail(`unknown trap kind "${kind}" (expected ${TRAP_KINDS.join(', ')})`);
    if (entry === undefined) fail('expected an address or @domain after the kind');
    if (extra !== undefined) fail(`unexpected "${extra}" after the entry`);
    const value = entry!.toLowerCase();
    const isDomain = DOMAIN.test(value);
    if (!isDomain && !ADDRESS.test(value)) fail(`"${entry}" is neither an address nor @domain`);
    const before = seen.get(value);
    if (before && before.kind !== kind)
      fail(`${entry} is already listed as ${before.kind} on line ${before.line}`);
    if (before) return;
    seen.set(value, { kind: kind as TrapKind, line });
    const k = kind as TrapKind;
    set.size += 1;
    if (isDomain) set.domains[k].push(value.slice(1));
    else {
      set.addresses[k].push(value);
      const sha1 = createHash('sha1').update(value);
      const digest = sha1.digest();
      set.hashes[k].push(digest.toString('hex'), digest.toString('base64'));
    }
  });
  return set;
}

/** Sends to a trap of this kind (address, domain or hashed address). */
export function trapCondition(set: TrapSet, kind: TrapKind): { any: Condition[] } {
  const parts: Condition[] = [];
  if (set.addresses[kind].length) parts.push({ column: 'rcpt_to', in: set.addresses[kind] });
  if (set.domains[kind].length) parts.push({ column: 'recipient_domain', in: set.domains[kind] });
  if (set.hashes[kind].length) parts.push({ column: 'rcpt_hash', in: set.hashes[kind] });
  return { any: parts };
}

const countings = new WeakMap<TrapSet, TrapCounting | undefined>();

/**
 * What the store counts for this list (store/trap-days.ts), or undefined for an empty list. The
 * fingerprint digests the parsed entries, so an edit that changes only comments keeps the counts.
 */
export function trapCounting(set: TrapSet): TrapCounting | undefined {
  if (countings.has(set)) return countings.get(set);
  const counting =
    set.size === 0
      ? undefined
      : {
          fingerprint: createHash('sha1')
            .update(JSON.stringify([set.addresses, set.domains, set.hashes]))
            .digest('hex'),
          conditions: Object.fromEntries(
            TRAP_KINDS.map((k) => [k, trapCondition(set, k)] as const).filter(([, c]) => c.any.length > 0),
          ),
        };
  countings.set(set, counting);
  return counting;
}

/** The list behind a file, read again (at most every few seconds) when the file changes. */
export class SpamTrapList {
  private set: TrapSet;
  private mtime: number;
  private checked = 0;

  /** Reads the file now; a missing or broken file is an error at start. */
  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.mtime = this.stat();
    this.set = this.read();
  }

  private stat(): number {
    try {
      return statSync(this.file).mtimeMs;
    } catch (error) {
      throw new TrapListError(`${this.file}: ${(error as Error).message}`);
    }
  }

  private read(): TrapSet {
    return parseTrapList(readFileSync(this.file, 'utf8'), this.file);
  }

  current(): TrapSet {
    if (this.now() - this.checked < 5000) return this.set;
    this.checked = this.now();
    try {
      const mtime = this.stat();
      if (mtime !== this.mtime) {
        // Noted first, so a broken edit is logged once, not every few seconds.
        this.mtime = mtime;
        this.set = this.read();
        this.log.info({ file: this.file, traps: this.set.size }, 'spam-trap list reloaded');
      }
    } catch (error) {
      this.log.error(
        { err: error, file: this.file },
        'spam-trap list not reloaded; keeping the previous one',
      );
    }
    return this.set;
  }
}
