// What happens after the sink said 250: for each accepted recipient, reproducibly by the seed, an
// out-of-band bounce (DSN to the envelope sender), a complaint (ARF to the FBL address), an open
// (load the images) and a click (follow one link), each after a delay, as real providers and
// readers do. Reports go by SMTP (nodemailer) to one configured host:port: the sender's bounce/FBL
// listener (Outpost's port 25), never to an MX found in DNS.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Chance } from './chance.js';
import { fetchLoopback, htmlTargets } from './engagement.js';
import { buildArf, buildDsn, OUT_OF_BAND_REASONS, type ReportFacts } from './reports.js';
import { delayRange, type SinkConfig, type SinkRule } from './rules.js';
import type { AcceptedMessage } from './session.js';

export interface FollowupCounts {
  dsnSent: number;
  arfSent: number;
  reportsFailed: number;
  opens: number;
  clicks: number;
  fetches: number;
  fetchesFailed: number;
}

export class Followups {
  readonly counts: FollowupCounts = {
    dsnSent: 0,
    arfSent: 0,
    reportsFailed: 0,
    opens: 0,
    clicks: 0,
    fetches: 0,
    fetchesFailed: 0,
  };
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private transport: Transporter | undefined;
  private stopped = false;
  private readonly copies = new Map<string, number>();

  constructor(
    private readonly config: SinkConfig,
    private readonly chance: Chance,
    private readonly onError: (what: string, error: unknown) => void,
  ) {
    const target = config.reports.smtp;
    if (target) {
      const colon = target.lastIndexOf(':');
      this.transport = nodemailer.createTransport({
        host: target.slice(0, colon).replace(/^\[|\]$/g, ''),
        port: Number(target.slice(colon + 1)),
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: 2,
        name: config['host-name'],
      });
    }
  }

  /** Plans the follow-ups of one accepted message, recipient by recipient. */
  plan(message: AcceptedMessage, ruleOf: (rcpt: string) => SinkRule | undefined): void {
    if (this.stopped) return;
    const subject = subjectOf(message.data);
    let targets: ReturnType<typeof htmlTargets> | undefined;
    for (const rcpt of message.rcpts) {
      const rule = ruleOf(rcpt);
      if (!rule) continue;
      const messageKey = this.keyFor(rcpt, subject);
      const facts: ReportFacts = {
        hostName: this.config['host-name'],
        fromDomain: this.config.reports['from-domain'],
        clientIp: message.clientIp,
        mailFrom: message.from,
        rcpt,
        data: message.data,
        arrival: new Date(),
      };
      const c = this.chance;
      const reportDelay = delayRange(this.config.reports['delay-ms']);
      if (this.transport && message.from && c.hit(rule.bounce, 'bounce', rcpt, messageKey)) {
        const reason = c.pick(OUT_OF_BAND_REASONS, 'bounce-reason', rcpt, messageKey)!;
        this.later(c.between(...reportDelay, 'bounce-delay', rcpt, messageKey), () =>
          this.report('dsn', message.from, buildDsn(facts, reason)),
        );
        continue; // a bounced message is never read
      }
      const fbl = this.config.reports['fbl-address'];
      if (this.transport && fbl && c.hit(rule.complaint, 'complaint', rcpt, messageKey)) {
        this.later(c.between(...reportDelay, 'complaint-delay', rcpt, messageKey), () =>
          this.report('arf', fbl, buildArf(facts, fbl)),
        );
      }
      const opens = c.hit(rule.open, 'open', rcpt, messageKey);
      const clicks = c.hit(rule.click, 'click', rcpt, messageKey);
      if (!opens && !clicks) continue;
      if (!targets) {
        targets = htmlTargets(message.data);
        // Awaited by the reader later; a message that cannot be parsed must not crash the sink meanwhile.
        targets.catch(() => {});
      }
      const readDelay = delayRange(this.config.engagement['delay-ms']);
      const wait = c.between(...readDelay, 'read-delay', rcpt, messageKey);
      const found = targets;
      this.later(wait, () => this.read(found, opens, clicks, `${rcpt}|${messageKey}`));
    }
  }

  private later(ms: number, task: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = task().catch((error: unknown) => this.onError('follow-up', error));
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, ms);
    this.timers.add(timer);
  }

  private async report(kind: 'dsn' | 'arf', to: string, raw: string): Promise<void> {
    try {
      await this.transport!.sendMail({ envelope: { from: '', to: [to] }, raw });
      if (kind === 'dsn') this.counts.dsnSent++;
      else this.counts.arfSent++;
    } catch (error) {
      this.counts.reportsFailed++;
      this.onError(`sending ${kind} to ${to}`, error);
    }
  }

  private async read(
    found: Promise<{ images: string[]; links: string[] }>,
    opens: boolean,
    clicks: boolean,
    key: string,
  ) {
    const { images, links } = await found;
    const ua = this.config.engagement['user-agent'];
    const urls: string[] = [];
    if (opens && images.length > 0) {
      this.counts.opens++;
      urls.push(...images);
    }
    const link = clicks ? this.chance.pick(links, 'link', key) : undefined;
    if (link) {
      this.counts.clicks++;
      urls.push(link);
    }
    for (const url of urls) {
      if (this.stopped) return;
      try {
        await fetchLoopback(url, ua);
        this.counts.fetches++;
      } catch (error) {
        this.counts.fetchesFailed++;
        this.onError(`fetching ${url}`, error);
      }
    }
  }

  /**
   * What the fate of one copy is keyed on: the recipient, the subject and how many copies with that
   * subject the recipient had before. Not the Message-ID, which differs from run to run: the same
   * seed and the same traffic must give the same bounces, complaints, opens and clicks.
   */
  private keyFor(rcpt: string, subject: string): string {
    const key = `${rcpt.toLowerCase()}|${subject}`;
    const n = (this.copies.get(key) ?? 0) + 1;
    this.copies.set(key, n);
    return `${subject}|${n}`;
  }

  /** Follow-ups still waiting or running. */
  get pending(): number {
    return this.timers.size + this.running.size;
  }

  /** Drops what has not started, waits for what has, closes the SMTP pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
    this.transport?.close();
  }
}

/** The Subject header (unfolded), or empty. */
function subjectOf(data: Buffer): string {
  const head = data.subarray(0, Math.min(data.length, 16_384)).toString('latin1');
  const end = head.indexOf('\r\n\r\n');
  const unfolded = (end < 0 ? head : head.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  return /^subject:[ \t]*(.*)$/im.exec(unfolded)?.[1]?.trim() ?? '';
}
