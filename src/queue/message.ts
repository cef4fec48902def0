// What the queue keeps in memory per message: the few fields routing and scheduling need, and the
// recipients' states. Everything else (subject, client details, the body) stays in the spool and is
// read when a connection delivers the message, so a million queued recipients fit in memory.

/** The envelope fields delivery reads; the spool's SpoolEnvelope has these and more. */
export interface DeliveryEnvelope {
  id: string;
  messageId: string;
  receivedAt: number;
  mailFrom: string;
  recipients: Array<{ address: string; orcpt?: string; notify?: string[]; state: string }>;
  size: number;
  envId?: string;
  dsnRet?: 'FULL' | 'HDRS';
  jobId?: string;
  virtualMta?: string;
  virtualMtaKind?: 'vmta' | 'pool';
  subaccountId?: number;
  customMessageId?: string;
  headerFrom?: string;
  headerSender?: string;
  subject?: string;
  srcType: string;
  srcMta: string;
  clientIp: string;
  localIp: string;
  smtpUser?: string;
  delivery?: {
    verp: boolean;
    suppressLocalDsn: boolean;
    dsnReturnDefault: string;
    addVirtualMtaHeader: boolean;
  };
}

/** What queueing needs of an envelope (the spool's compact recovered form has exactly this). */
export type QueueableEnvelope = Pick<
  DeliveryEnvelope,
  'id' | 'receivedAt' | 'size' | 'jobId' | 'virtualMta'
> & {
  recipients: Array<{ address: string; state: string }>;
};

/** Where delivery gets a message's envelope and bytes, and records final outcomes (the spool). */
export interface MessageStore {
  read(id: string): Promise<{ envelope: DeliveryEnvelope; body: Buffer }>;
  markRecipients(
    id: string,
    indexes: readonly number[],
    state: 'delivered' | 'bounced' | 'expired' | 'deleted',
  ): Promise<void>;
}

export const PENDING = 0;
export const IN_FLIGHT = 1;
export const FINAL = 2;

// A million queued messages must fit in well under a gigabyte, and nearly all have one recipient:
// a one-recipient message keeps its address and state as plain fields, others use arrays (never
// typed arrays, which cost about 100 bytes each).
export class QueuedMessage {
  /** The address, or the addresses of a multi-recipient message. */
  private readonly to: string | string[];
  /** PENDING, IN_FLIGHT (a connection has it) or FINAL, per recipient. */
  private st: number | number[];
  /** Failed attempts per recipient (SparkPost num_retries); allocated at the first failure. */
  private failures: number[] | undefined;
  pending: number;
  /** Set by `delete`: the queue drops the message's items as it meets them. */
  deleted = false;

  constructor(
    readonly id: string,
    readonly receivedAt: number,
    recipients: string[],
    readonly jobId: string | undefined,
    readonly virtualMta: string | undefined,
    readonly size: number,
  ) {
    this.to = recipients.length === 1 ? recipients[0]! : recipients;
    this.st = recipients.length === 1 ? PENDING : new Array<number>(recipients.length).fill(PENDING);
    this.pending = recipients.length;
  }

  static fromEnvelope(envelope: QueueableEnvelope): QueuedMessage {
    const message = new QueuedMessage(
      envelope.id,
      envelope.receivedAt,
      envelope.recipients.map((r) => r.address),
      envelope.jobId,
      envelope.virtualMta,
      envelope.size,
    );
    envelope.recipients.forEach((r, i) => {
      if (r.state !== 'pending') message.finish(i);
    });
    return message;
  }

  get count(): number {
    return typeof this.to === 'string' ? 1 : this.to.length;
  }

  recipient(index: number): string {
    return typeof this.to === 'string' ? this.to : this.to[index]!;
  }

  state(index: number): number {
    return typeof this.st === 'number' ? this.st : this.st[index]!;
  }

  setState(index: number, state: number): void {
    if (typeof this.st === 'number') this.st = state;
    else this.st[index] = state;
  }

  attempts(index: number): number {
    return this.failures?.[index] ?? 0;
  }

  failed(index: number): void {
    this.failures ??= new Array<number>(this.count).fill(0);
    this.failures[index]! += 1;
  }

  finish(index: number): void {
    if (this.state(index) === FINAL) return;
    this.setState(index, FINAL);
    this.pending--;
  }
}

/** Recipients of one message bound for one queue: delivered together in one SMTP transaction. */
export interface QueueItem {
  message: QueuedMessage;
  /** Indexes into message.recipients; never modified in place (items share FIRST_ONLY). */
  rcpts: readonly number[];
}

/** The recipient list of every one-recipient item: one shared array instead of a million. */
export const FIRST_ONLY: readonly number[] = Object.freeze([0]);
