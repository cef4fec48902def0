// A sending history with known answers for the Signals reports and the dashboard: recipient groups
// whose engagement-recency cohort on day D is fixed by what they did before (reference
// sparkpost-api.md §6.4), uploaded through the ingest API one day at a time with the server's clock
// set to that day (uploads older than 24 hours are refused, as SparkPost refuses them).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { SignalsServer, SignalsServerOptions } from '../../src/signals/service.js';
import type { EngineName } from '../../src/signals/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import { DAY, gzipLines, ingestLine } from './fixtures.js';
import { startSignals, upload } from './server.js';

/** Day D, the day the reports are checked on: 2026-11-20. */
export const D = Date.UTC(2026, 10, 20) / 1000;

const ALPHA = {
  campaign_id: 'alpha',
  binding_group: 'pool-a',
  sending_ip: '192.0.2.10',
  friendly_from: 'news@shop.example',
  open_tracking: true,
};
const BETA = { ...ALPHA, campaign_id: 'beta', binding_group: 'pool-b', sending_ip: '192.0.2.20' };
const GAMMA = { ...ALPHA, campaign_id: 'gamma', binding_group: 'pool-g', subaccount_id: 5 };

type Fields = Record<string, unknown>;

class Day {
  readonly lines: string[] = [];
  private n = 0;
  constructor(readonly day: number) {}

  private at(): string {
    this.n += 1;
    return String(this.day + 3600 + this.n);
  }

  /** An injection; returns its message id for what follows. */
  send(rcpt: string, fields: Fields): string {
    const id = `m-${this.day}-${this.n + 1}`;
    this.lines.push(
      ingestLine({
        type: 'reception',
        message_id: id,
        rcpt_to: rcpt,
        recv_method: 'esmtp',
        timestamp: this.at(),
        ...fields,
      }),
    );
    return id;
  }

  /** A message event (bounce, delay, delivery) carrying the campaign fields as PowerMTA sends them. */
  message(type: string, id: string, rcpt: string, fields: Fields): void {
    this.lines.push(ingestLine({ type, message_id: id, rcpt_to: rcpt, timestamp: this.at(), ...fields }));
  }

  delivered(id: string, rcpt: string, fields: Fields): void {
    this.message('delivery', id, rcpt, { ...fields, num_retries: '0', queue_time: '850', msg_size: '24000' });
  }

  /** An event the server enriches from the injection (opens, complaints, unsubscribes). */
  follow(type: string, grouping: string, id: string, rcpt: string): void {
    const extra = type === 'list' ? { recv_method: 'esmtp' } : {};
    this.lines.push(
      ingestLine({ type, message_id: id, rcpt_to: rcpt, timestamp: this.at(), ...extra }, grouping),
    );
  }
}

const group = (name: string, size: number, domain = 'gmail.com') =>
  Array.from({ length: size }, (_, i) => `${name}-${i}@${domain}`);

export const GROUPS = {
  recent: group('g14', 300),
  semi: group('g90', 100),
  year: group('g365', 50),
  unengaged: group('gun', 200),
  fresh: group('gnew', 400),
  first: [
    ...group('first', 42),
    ...['info', 'abuse', 'postmaster', 'sales', 'webmaster'].map((p) => `${p}@role.example`),
    'trap-recycled@gmail.com',
    'someone@gmial.com',
    'anyone@parked.example',
  ],
};

export const TRAP_LIST = `# kind    entry
recycled  trap-recycled@gmail.com
typo      @gmial.com
parked    @parked.example
`;

/** The history, day by day, oldest first. */
export function signalsHistory(): Day[] {
  const past = (days: number) => new Day(D - days * DAY);
  const opened = (day: Day, rcpts: string[]) => {
    for (const rcpt of rcpts) day.follow('initial_open', 'track_event', day.send(rcpt, ALPHA), rcpt);
  };
  const d120 = past(120);
  opened(d120, GROUPS.year);
  const d30 = past(30);
  opened(d30, GROUPS.semi);
  const d20 = past(20);
  GROUPS.unengaged.forEach((rcpt, i) => {
    const id = d20.send(rcpt, ALPHA);
    if (i < 10) d20.message('inband', id, rcpt, { ...ALPHA, bounce_class: '10', error_code: '550' });
  });
  const d3 = past(3);
  for (const rcpt of GROUPS.fresh) d3.send(rcpt, ALPHA);
  const d1 = past(1);
  opened(d1, GROUPS.recent);
  return [d120, d30, d20, d3, d1, today()];
}

/** Day D: what the expected answers below describe. */
function today(): Day {
  const d = new Day(D);
  GROUPS.recent.forEach((rcpt, i) => {
    const id = d.send(rcpt, ALPHA);
    d.delivered(id, rcpt, ALPHA);
    if (i < 110) d.follow('initial_open', 'track_event', id, rcpt);
    if (i < 3) d.follow('list', 'unsubscribe_event', id, rcpt);
  });
  for (const rcpt of [...GROUPS.semi, ...GROUPS.year, ...GROUPS.first])
    d.delivered(d.send(rcpt, ALPHA), rcpt, ALPHA);
  GROUPS.unengaged.forEach((rcpt, i) => {
    const id = d.send(rcpt, ALPHA);
    if (i >= 100 && i < 111)
      d.message('inband', id, rcpt, { ...ALPHA, bounce_class: '52', error_code: '554' });
    if (i >= 20 && i < 25) d.follow('feedback', 'message_event', id, rcpt);
  });
  GROUPS.fresh.forEach((rcpt, i) => {
    const id = d.send(rcpt, ALPHA);
    if (i < 30) d.message('inband', id, rcpt, { ...ALPHA, bounce_class: '10', error_code: '550' });
    if (i >= 100 && i < 140)
      d.message('tempfail', id, rcpt, { ...ALPHA, bounce_class: '21', delv_method: 'esmtp' });
  });
  for (const rcpt of group('beta', 20, 'yahoo.com')) d.delivered(d.send(rcpt, BETA), rcpt, BETA);
  for (const rcpt of group('gamma', 7)) d.delivered(d.send(rcpt, GAMMA), rcpt, GAMMA);
  return d;
}

/** Hand-counted answers for campaign alpha on day D. */
export const EXPECTED_ALPHA = {
  injected: 1100,
  cohorts: { new: 450, '14d': 300, '90d': 100, '365d': 50, uneng: 200 },
  engaged: { '14d': 110 },
  unsubscribed: { '14d': 3 },
  complained: { uneng: 5 },
  hard: 30,
  block: 11,
  delayed: 40,
  suppressed: 10,
  role: 5,
  traps: { recycled: 1, typo: 1, parked: 1 },
  /** The three days before D: 400 + 300 sends, the 300 of D-1 opened. */
  history: { injected: 700, engaged: 300 },
};

/** Starts a server on a settable clock, uploads the history day by day; returns server and clock. */
export async function seededSignals(
  t: TestContext,
  engine: EngineName,
  options: Partial<SignalsServerOptions> & { clickhouseUrl?: string } = {},
): Promise<{ server: SignalsServer; clock: { ms: number } }> {
  const days = signalsHistory();
  const clock = { ms: (days[0]!.day + 23 * 3600) * 1000 };
  const traps = join(tempDir(t, 'outpost-traps-'), 'traps.txt');
  writeFileSync(traps, TRAP_LIST);
  const server = await startSignals(t, engine, {
    now: () => clock.ms,
    retention: 400 * DAY,
    spamTrapList: traps,
    ...options,
  });
  for (const day of days) {
    clock.ms = (day.day + 23 * 3600) * 1000;
    for (let i = 0; i < day.lines.length; i += 2000) {
      const sent = await upload(server.address.url, gzipLines(day.lines.slice(i, i + 2000)));
      if (sent.status !== 200) throw new Error(`upload refused: ${JSON.stringify(sent.body)}`);
    }
    await server.pipeline!.drain();
  }
  return { server, clock };
}
