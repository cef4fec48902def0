// What the server derives on arrival (reference sparkpost-api.md §1.7, §8): the mailbox provider
// and region of each recipient domain, and for engagement, unsubscribe, complaint and out-of-band
// events the message's own fields (campaign, pool, subject, …) copied from its injection, found by
// message_id. Recent injections are kept in memory; older ones are looked up in the store in one
// query per batch.
import { ENRICHED_TYPES } from '../event-types.js';
import type { ColumnName, StoredEvent } from '../store/columns.js';
import type { EventStore } from '../store/types.js';
import { GenerationalMap } from './generations.js';
import type { MxProviderCache } from './mx-cache.js';

/** Fields an engagement event inherits from its injection when it does not carry them itself. */
export const INHERITED_FIELDS = [
  'campaign_id',
  'subject',
  'ip_pool',
  'sending_ip',
  'binding',
  'binding_group',
  'routing_domain',
  'sending_domain',
  'friendly_from',
  'msg_from',
  'template_id',
  'template_version',
  'transmission_id',
  'msg_size',
  'open_tracking',
  'click_tracking',
  'initial_pixel',
  'amp_enabled',
  'transactional',
  'ab_test_id',
  'ab_test_version',
  'recv_method',
  'rcpt_type',
] as const satisfies readonly ColumnName[];
const INHERITED_EXTRA = ['rcpt_meta', 'rcpt_tags'];

type Inherited = Partial<StoredEvent>;

export interface EnricherOptions {
  mx: MxProviderCache;
  store: Pick<EventStore, 'eventsByMessageIds'>;
  /** Injections remembered in memory (default 250,000). */
  cacheSize?: number;
  /** Milliseconds since the epoch (injected in tests). */
  now?: () => number;
}

/**
 * How long a message id the store did not know is not asked for again. Events of messages whose
 * injection is not stored (sent before the store existed, or by another system) are common: asking
 * for them on every slice made the ingest wait on the store for most of its time (bench/signals,
 * 48 of 80 s). An injection ingested here meanwhile is remembered at once anyway; the limit is for
 * one stored by another Signals server sharing the store.
 */
export const MISS_TTL_MS = 60_000;

export class Enricher {
  /** Recent injections by message id. */
  private readonly injections: GenerationalMap<string, Inherited>;
  /** Message ids the store had no injection for, and when it was asked. */
  private readonly missed: GenerationalMap<string, number>;
  private readonly now: () => number;

  constructor(private readonly options: EnricherOptions) {
    const cacheSize = options.cacheSize ?? 250_000;
    this.injections = new GenerationalMap(cacheSize);
    this.missed = new GenerationalMap(cacheSize);
    this.now = options.now ?? Date.now;
  }

  /** Fills provider, region and inherited fields in place. */
  async enrich(events: StoredEvent[]): Promise<void> {
    await this.providers(events);
    for (const event of events) if (event.type === 'injection' && event.message_id) this.remember(event);
    await this.inherit(events);
  }

  private async providers(events: StoredEvent[]): Promise<void> {
    const unknown = new Set<string>();
    for (const event of events) {
      const domain = event.recipient_domain;
      if (!domain || event.mailbox_provider) continue;
      const provider = this.options.mx.known(domain);
      if (provider) {
        event.mailbox_provider = provider.name;
        event.mailbox_provider_region ??= provider.region;
      } else unknown.add(domain);
    }
    if (unknown.size === 0) return;
    const found = new Map(
      await Promise.all([...unknown].map(async (d) => [d, await this.options.mx.provider(d)] as const)),
    );
    for (const event of events) {
      const provider = event.recipient_domain && !event.mailbox_provider && found.get(event.recipient_domain);
      if (!provider) continue;
      event.mailbox_provider = provider.name;
      event.mailbox_provider_region ??= provider.region;
    }
  }

  private remember(injection: StoredEvent): void {
    const inherited: Record<string, unknown> = { injection_time: injection.ts };
    for (const field of INHERITED_FIELDS) {
      if (injection[field] !== undefined) inherited[field] = injection[field];
    }
    const extra = injection.extra;
    if (extra) {
      const kept = Object.fromEntries(INHERITED_EXTRA.filter((k) => k in extra).map((k) => [k, extra[k]]));
      if (Object.keys(kept).length) inherited.extra = kept;
    }
    this.injections.set(injection.message_id!, inherited as Inherited);
  }

  /** True while the store is known not to hold this message's injection. */
  private knownMissing(messageId: string, now: number): boolean {
    const at = this.missed.get(messageId);
    return at !== undefined && now - at < MISS_TTL_MS;
  }

  /**
   * The message ids of these events that enrich() would look up in the store: neither in memory,
   * nor injected in `events` or `injected` (the batch's earlier slices not yet enriched), nor
   * known to be missing. The pipeline gathers them over a batch and asks once (lookUp).
   */
  missing(events: readonly StoredEvent[], injected: ReadonlySet<string> = new Set()): string[] {
    const now = this.now();
    const here = new Set<string>();
    for (const event of events)
      if (event.type === 'injection' && event.message_id) here.add(event.message_id);
    const ids = new Set<string>();
    for (const event of events) {
      if (!inherits(event)) continue;
      const id = event.message_id;
      if (here.has(id) || injected.has(id)) continue;
      if (!this.injections.get(id) && !this.knownMissing(id, now)) ids.add(id);
    }
    return [...ids];
  }

  /** True for an event that inherits from its message's injection while that is not in memory. */
  lacksInjection(event: StoredEvent): boolean {
    return inherits(event) && !this.injections.get(event.message_id);
  }

  /** Fetches these messages' injections from the store into memory; the ids not found are remembered as missing. */
  async lookUp(messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return;
    const now = this.now();
    const found = await this.options.store.eventsByMessageIds(messageIds, {
      column: 'type',
      in: ['injection'],
    });
    for (const injection of found) this.remember(injection);
    for (const id of messageIds) if (!this.injections.get(id)) this.missed.set(id, now);
  }

  private async inherit(events: StoredEvent[]): Promise<void> {
    await this.lookUp(this.missing(events));
    for (const event of events) {
      if (!inherits(event)) continue;
      const inherited = this.injections.get(event.message_id);
      if (inherited) applyInherited(event, inherited);
    }
  }
}

/** An event that takes fields from its message's injection (it names the message). */
function inherits(event: StoredEvent): event is StoredEvent & { message_id: string } {
  return !!event.message_id && ENRICHED_TYPES.has(event.type);
}

function applyInherited(event: StoredEvent, inherited: Inherited): void {
  const target = event as Record<string, unknown>;
  for (const [field, value] of Object.entries(inherited)) {
    if (field === 'extra') event.extra = { ...(value as Record<string, unknown>), ...event.extra };
    else if (target[field] === undefined) target[field] = value;
  }
}
