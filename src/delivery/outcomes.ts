// What happens after a reply: the outcome is made durable in the spool first (so a restart never
// repeats a final recipient), then the queue forgets the recipient, then one event per recipient
// goes on the bus (accounting, Signals). Failures get PowerMTA's bounce category and SparkPost's
// bounce class from src/bounce.
import { classify, parseReply } from '../bounce/index.js';
import type { OutpostConfig } from '../config/index.js';
import type { EventBus, OutpostEvent } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { DomainQueue } from '../queue/domain-queue.js';
import type { QueueManager, Removed } from '../queue/manager.js';
import type { DeliveryEnvelope, MessageStore, QueuedMessage, QueueItem } from '../queue/message.js';
import { parseHeaders } from '../smtp/headers.js';
import type { SpoolEnvelope } from '../spool/index.js';
import { buildFailureDsn, type FailedRecipient, wantsFailureDsn } from './dsn.js';
import { headerPairs } from './prepare.js';

/** What the connection knew when the reply came (accounting dlv* fields). */
export interface AttemptInfo {
  host: string;
  address: string;
  sourceIp?: string;
  extensions: string[];
  tls?: { protocol: string; cipher: string };
  size?: number;
}

/** A message's envelope and headers as read for this attempt. */
export interface Loaded {
  envelope: DeliveryEnvelope;
  headers: Array<[string, string]>;
  /** The spooled bytes, when they were read (a failure DSN returns them or their headers). */
  body?: Buffer;
}

export interface OutcomeContext {
  config: () => OutpostConfig;
  store: MessageStore;
  manager: QueueManager;
  bus: EventBus;
  log: Logger;
  /** Spools and queues a DSN Outpost generated (absent: no DSNs are sent). */
  sendDsn?: (dsn: { envelope: SpoolEnvelope; body: Buffer }) => Promise<void>;
}

const EXPIRED_STATUS = '4.4.7';

export class Outcomes {
  constructor(private readonly ctx: OutcomeContext) {}

  private now(): number {
    return this.ctx.manager.clock.now();
  }

  private event(
    queue: DomainQueue,
    message: QueuedMessage,
    loaded: Loaded,
    index: number,
    attempt?: AttemptInfo,
  ): OutpostEvent {
    const { envelope, headers } = loaded;
    const r = envelope.recipients[index]!;
    const pool =
      message.virtualMta && this.ctx.config().pools.has(message.virtualMta) ? message.virtualMta : undefined;
    const event: OutpostEvent = {
      type: 'delivery',
      timeLogged: this.now(),
      timeQueued: envelope.receivedAt,
      messageId: envelope.messageId,
      orig: envelope.mailFrom,
      rcpt: r.address,
      size: envelope.size,
      headers,
      srcType: envelope.srcType as OutpostEvent['srcType'],
      srcMta: envelope.srcMta,
      rcvSourceIp: envelope.clientIp,
      rcvDestinationIp: envelope.localIp,
      vmta: queue.vmta,
      queue: queue.key,
      dlvType: 'smtp',
      attempts: message.attempts(index),
    };
    const optional: Partial<OutpostEvent> = {
      orcpt: r.orcpt,
      customMessageId: envelope.customMessageId,
      jobId: envelope.jobId,
      envId: envelope.envId,
      subaccountId: envelope.subaccountId,
      subject: envelope.subject,
      headerFrom: envelope.headerFrom,
      headerSender: envelope.headerSender,
      rcvSmtpUser: envelope.smtpUser,
      vmtaPool: pool,
    };
    for (const [key, value] of Object.entries(optional))
      if (value !== undefined) (event as unknown as Record<string, unknown>)[key] = value;
    if (attempt) {
      event.dsnMta = `${attempt.host} (${attempt.address})`;
      event.dlvDestinationIp = attempt.address;
      if (attempt.sourceIp) event.dlvSourceIp = attempt.sourceIp;
      event.dlvEsmtpAvailable = attempt.extensions.join(',');
      if (attempt.size !== undefined) event.dlvSize = attempt.size;
      if (attempt.tls) {
        event.dlvTlsProtocol = attempt.tls.protocol;
        event.dlvTlsCipher = attempt.tls.cipher;
      }
    }
    return event;
  }

  private classified(reply: string, action: 'failed' | 'delayed') {
    return classify(parseReply(reply), { patterns: this.ctx.config().bounceCategoryPatterns, action });
  }

  async delivered(
    queue: DomainQueue,
    message: QueuedMessage,
    rcpts: readonly number[],
    reply: string,
    loaded: Loaded,
    attempt: AttemptInfo,
  ): Promise<void> {
    await this.ctx.store.markRecipients(message.id, rcpts, 'delivered');
    this.ctx.manager.finish(message, rcpts);
    queue.delivered += rcpts.length;
    const c = this.classified(reply, 'failed');
    for (const i of rcpts) {
      const event = this.event(queue, message, loaded, i, attempt);
      event.dsnAction = attempt.extensions.includes('DSN') ? 'delivered' : 'relayed';
      event.dsnStatus = c.dsnStatus;
      event.dsnDiag = c.dsnDiag;
      this.ctx.bus.emit(event);
    }
  }

  /** A permanent failure, or an expiry (`expired`): bounce records and events. */
  async bounced(
    queue: DomainQueue,
    message: QueuedMessage,
    rcpts: readonly number[],
    reply: string,
    loaded: Loaded,
    attempt?: AttemptInfo,
    expired = false,
  ): Promise<void> {
    await this.ctx.store.markRecipients(message.id, rcpts, expired ? 'expired' : 'bounced');
    this.ctx.manager.finish(message, rcpts);
    queue.failed += rcpts.length;
    const c = this.classified(reply, 'failed');
    for (const i of rcpts) {
      const event = this.event(queue, message, loaded, i, attempt);
      event.type = 'bounce';
      event.dsnAction = 'failed';
      event.dsnStatus = expired ? '4.4.7 (delivery time expired)' : c.dsnStatus;
      event.dsnDiag = c.dsnDiag;
      event.bounceCat = expired ? 'message-expired' : c.category;
      if (c.bounceClass) event.bounceClass = c.bounceClass.code;
      this.ctx.bus.emit(event);
    }
    await this.failureDsn(queue, loaded, rcpts, {
      dsnStatus: expired ? '4.4.7 (delivery time expired)' : c.dsnStatus,
      dsnDiag: c.dsnDiag,
      bounceCat: expired ? 'message-expired' : c.category,
      ...(attempt ? { dsnMta: `${attempt.host} (${attempt.address})` } : {}),
    });
  }

  /** Tells the originator, when its recipients' NOTIFY and the source allow it (src/delivery/dsn.ts). */
  private async failureDsn(
    queue: DomainQueue,
    loaded: Loaded,
    rcpts: readonly number[],
    failure: Omit<FailedRecipient, 'address' | 'orcpt'>,
  ): Promise<void> {
    const { envelope, body } = loaded;
    const notify = rcpts.filter((i) => wantsFailureDsn(envelope, i));
    if (!this.ctx.sendDsn || !body || notify.length === 0) return;
    const failed = notify.map((i) => {
      const r = envelope.recipients[i]!;
      return { address: r.address, ...(r.orcpt ? { orcpt: r.orcpt } : {}), ...failure };
    });
    try {
      await this.ctx.sendDsn(
        buildFailureDsn(this.ctx.config(), envelope, body, failed, queue.vmta, this.now()),
      );
    } catch (error) {
      this.ctx.log.error({ err: error, id: envelope.id }, 'could not queue a failure DSN');
    }
  }

  /** A transient failure of some recipients: delay events, then a retry or, past bounce-after, a bounce. */
  async deferred(
    queue: DomainQueue,
    item: QueueItem,
    reply: string,
    loaded: Loaded,
    attempt?: AttemptInfo,
  ): Promise<void> {
    const c = this.classified(reply, 'delayed');
    for (const i of item.rcpts) {
      const event = this.event(queue, item.message, loaded, i, attempt);
      event.type = 'transient';
      event.dsnAction = 'delayed';
      event.dsnStatus = c.dsnStatus;
      event.dsnDiag = c.dsnDiag;
      event.bounceCat = c.category;
      if (c.bounceClass) event.bounceClass = c.bounceClass.code;
      this.ctx.bus.emit(event);
    }
    if (this.isExpired(queue, loaded.envelope.receivedAt)) {
      await this.bounced(
        queue,
        item.message,
        item.rcpts,
        `${EXPIRED_STATUS} ${reply}`,
        loaded,
        attempt,
        true,
      );
      return;
    }
    this.ctx.manager.retryLater(queue, item, this.now() + queue.settings['retry-recipients-after'] * 1000);
  }

  isExpired(queue: DomainQueue, receivedAt: number): boolean {
    return this.now() - receivedAt > queue.settings['bounce-after'] * 1000;
  }

  /**
   * A queue-level failure (DNS, connection, greeting, 421): one `tq` event, retry mode, and the
   * recipients that have waited longer than bounce-after leave as expired.
   */
  async queueFailed(queue: DomainQueue, status: string, text: string, attempt?: AttemptInfo): Promise<void> {
    const event: OutpostEvent = {
      type: 'transient-queue',
      timeLogged: this.now(),
      messageId: '',
      orig: '',
      rcpt: '',
      vmta: queue.vmta,
      queue: queue.key,
      dlvType: 'smtp',
      dsnStatus: this.classified(`${status} ${text}`, 'delayed').dsnStatus,
      dsnDiag: `smtp;${text}`,
    };
    if (attempt) {
      event.dsnMta = `${attempt.host} (${attempt.address})`;
      event.dlvDestinationIp = attempt.address;
      if (attempt.sourceIp) event.dlvSourceIp = attempt.sourceIp;
    }
    this.ctx.bus.emit(event);
    this.ctx.manager.queueFailed(queue, text);
    await this.expireWaiting(queue, `${EXPIRED_STATUS} ${text}`);
  }

  /** Bounces every waiting recipient of `queue` older than its bounce-after. */
  async expireWaiting(queue: DomainQueue, reason: string): Promise<void> {
    const old = queue.extract((item) => this.isExpired(queue, item.message.receivedAt));
    for (const item of old) await this.finishItem(queue, item, reason, true);
  }

  /** Bounces a whole item with `reason` (an unknown VirtualMTA, a permanent routing failure). */
  async finishItem(queue: DomainQueue, item: QueueItem, reason: string, expired = false): Promise<void> {
    try {
      const { envelope, body } = await this.ctx.store.read(item.message.id);
      const headers = headerPairs(parseHeaders(body));
      await this.bounced(
        queue,
        item.message,
        item.rcpts,
        reason,
        { envelope, headers, body },
        undefined,
        expired,
      );
    } catch (error) {
      this.ctx.log.error({ err: error, id: item.message.id }, 'could not record a bounce');
    }
  }

  /** `delete`: recipients removed by an operator are final, with a bounce record saying so. */
  async deleted(queue: (message: QueuedMessage) => DomainQueue, removed: Removed[]): Promise<void> {
    for (const { message, rcpts } of removed) {
      const { envelope } = await this.ctx.store.read(message.id);
      await this.ctx.store.markRecipients(message.id, rcpts, 'deleted');
      for (const i of rcpts) {
        const event = this.event(queue(message), message, { envelope, headers: [] }, i);
        event.type = 'bounce';
        event.dsnAction = 'failed';
        event.dsnStatus = '5.0.0 (undefined status)';
        event.dsnDiag = 'x-pmta;deleted by administrator';
        event.bounceCat = 'other';
        this.ctx.bus.emit(event);
      }
    }
  }
}
