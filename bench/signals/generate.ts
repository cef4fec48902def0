// Synthetic sending history for bench/signals: DAYS days of PowerMTA-style traffic ending at `end`,
// deterministic (seeded), in time order within each day, as stored events. Recipients have a
// lasting engagement habit (active, occasional, dormant), so the cohorts and the health score see
// real structure: some recipients hard-bounce every time, a few addresses are spam traps, dormant
// ones complain more, and the list grows every day (new recipients).
import { providerByDomain } from '../../src/signals/enrich/providers.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';
import { seededRandom as random } from '../../test/helpers/prng.js';

export interface GenerateOptions {
  events: number;
  days: number;
  /** Unix seconds; the last day ends here. */
  end: number;
  recipients: number;
  seed?: number;
}

const DOMAINS = [
  'gmail.com',
  'gmail.com',
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'aol.com',
  'comcast.net',
  'icloud.com',
  'gmx.de',
  'orange.fr',
  'mail.ru',
  'corp.example',
];
const POOLS = ['hot chili', 'warmup', 'transactional', 'bulk'];
export const CAMPAIGNS = Array.from({ length: 20 }, (_, i) => `campaign-${String(i).padStart(2, '0')}`);

/** Every 1009th recipient is a spam trap; its kind cycles through the three SparkPost names. */
export function trapKind(recipient: number): 'recycled' | 'typo' | 'parked' | undefined {
  if (recipient % 1009 !== 7) return undefined;
  return (['recycled', 'typo', 'parked'] as const)[Math.floor(recipient / 1009) % 3];
}

export function recipientAddress(recipient: number): string {
  return `user${recipient}@${DOMAINS[recipient % DOMAINS.length]}`;
}

/** Open probability per recipient: 20% active, 30% occasional, 50% dormant. */
function habit(recipient: number): number {
  const band = (recipient * 2654435761) % 10;
  return band < 2 ? 0.45 : band < 5 ? 0.12 : 0.01;
}

/** Yields one day of events at a time, each day sorted by time. */
export function* generate(options: GenerateOptions): Generator<StoredEvent[]> {
  const rand = random(options.seed ?? 42);
  const start = options.end - options.days * 86400;
  // About 2.27 events per message with the rates below (measured on the 10M set).
  const perDay = Math.round(options.events / options.days / 2.27);
  let eventId = 1_000_000_000;
  let messageId = 0;
  for (let day = 0; day < options.days; day++) {
    // 60% of the list exists on day 0; the rest joins evenly over the period.
    const known = Math.floor(options.recipients * (0.6 + (0.4 * (day + 1)) / options.days));
    const events: StoredEvent[] = [];
    for (let i = 0; i < perDay; i++) {
      const recipient = Math.floor(rand() * known);
      const campaign = Math.floor(rand() * rand() * CAMPAIGNS.length);
      const subaccount = campaign % 4;
      const pool = campaign % POOLS.length;
      const rcpt = recipientAddress(recipient);
      const domain = rcpt.slice(rcpt.indexOf('@') + 1);
      const provider = providerByDomain(domain);
      const ts = start + day * 86400 + Math.floor(rand() * 86400);
      const base = {
        customer_id: 1,
        subaccount_id: subaccount,
        message_id: (++messageId).toString(16).padStart(20, '0'),
        rcpt_to: rcpt,
        recipient_domain: domain,
        routing_domain: domain,
        campaign_id: CAMPAIGNS[campaign]!,
        ip_pool: POOLS[pool]!,
        sending_ip: `192.0.2.${pool * 2 + (recipient % 2) + 1}`,
        sending_domain: `news${subaccount}.example.com`,
        friendly_from: `news@news${subaccount}.example.com`,
        mailbox_provider: provider?.name ?? 'Other Providers',
        mailbox_provider_region: provider?.region ?? 'Other',
        open_tracking: true,
        msg_size: 20_000 + Math.floor(rand() * 30_000),
      } satisfies Partial<StoredEvent>;
      const add = (type: StoredEvent['type'], at: number, extra: Partial<StoredEvent> = {}) =>
        events.push({
          ...base,
          ts: Math.min(at, options.end - 1),
          type,
          event_id: String(++eventId),
          ...extra,
        });
      add('injection', ts, { recv_method: 'esmtp' });
      const roll = rand();
      if (recipient % 53 === 0) {
        add('bounce', ts + 5, {
          bounce_class: 10,
          error_code: '550',
          reason: '550 5.1.1 <...@...> User unknown',
        });
        continue;
      }
      if (roll < 0.02) {
        add('bounce', ts + 5, {
          bounce_class: roll < 0.01 ? 51 : 50,
          error_code: '554',
          reason: '554 5.7.1 blocked',
        });
        continue;
      }
      if (roll < 0.03) {
        add('bounce', ts + 5, { bounce_class: 22, error_code: '552', reason: '552 5.2.2 mailbox full' });
        continue;
      }
      let retries = 0;
      if (roll < 0.07) {
        add('delay', ts + 5, { bounce_class: 21, num_retries: 0, reason: '451 4.7.1 try later' });
        retries = 1;
      }
      const delivered = ts + 10 + retries * 600;
      add('delivery', delivered, { num_retries: retries, queue_time: 800 + retries * 600_000 });
      if (rand() < 0.001) add('out_of_band', delivered + 60, { bounce_class: 10 });
      const p = habit(recipient);
      const opened = rand() < p;
      if (opened) {
        const at = delivered + 60 + Math.floor(rand() * 7200);
        add('initial_open', at, { injection_time: ts, user_agent: 'Mozilla/5.0' });
        if (rand() < 0.5) add('open', at + 2, { injection_time: ts });
        if (rand() < 0.3)
          add('click', at + 30, { injection_time: ts, target_link_url: 'https://shop.example/' });
        if (rand() < 0.004) add('link_unsubscribe', at + 60, { injection_time: ts });
      }
      if (rand() < (p < 0.05 ? 0.002 : 0.0002)) add('spam_complaint', delivered + 3600, { fbtype: 'abuse' });
      if (!opened && rand() < 0.001) add('list_unsubscribe', delivered + 3600, { injection_time: ts });
    }
    events.sort((a, b) => a.ts - b.ts);
    yield events;
  }
}
