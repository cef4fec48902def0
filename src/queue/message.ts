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

/** Where delivery gets a message's envelope and bytes, and records final outcomes (the spool). */
export interface MessageStore {
  read(id: string): Promise<{ envelope: DeliveryEnvelope; body: Buffer }>;
  markRecipients(
    id: string,
    indexes: number[],
    state: 'delivered' | 'bounced' | 'expired' | 'deleted',
  ): Promise<void>;
}

export const PENDING = 0;
export const IN_FLIGHT = 1;
export const FINAL = 2;

export class QueuedMessage {
  /** Per recipient: PENDING, IN_FLIGHT (a connection has it) or FINAL. */
  readonly states: Uint8Array;
  /** Failed attempts per recipient (SparkPost num_retries). */
  readonly attempts: Uint16Array;
  pending: number;
  /** Set by `delete`: the queue drops the message's items as it meets them. */
  deleted = false;

  constructor(
    readonly id: string,
    readonly receivedAt: number,
    readonly recipients: string[],
    readonly jobId: string | undefined,
    readonly virtualMta: string | undefined,
    readonly size: number,
  ) {
    this.states = new Uint8Array(recipients.length);
    this.attempts = new Uint16Array(recipients.length);
    this.pending = recipients.length;
  }

  static fromEnvelope(envelope: DeliveryEnvelope): QueuedMessage {
    const message = new QueuedMessage(
      envelope.id,
      envelope.receivedAt,
      envelope.recipients.map((r) => r.address),
      envelope.jobId,
      envelope.virtualMta,
      envelope.size,
    );
    envelope.recipients.forEach((r, i) => {
      if (r.state !== 'pending') {
        message.states[i] = FINAL;
        message.pending--;
      }
    });
    return message;
  }

  finish(index: number): void {
    if (this.states[index] === FINAL) return;
    this.states[index] = FINAL;
    this.pending--;
  }
}

/** Recipients of one message bound for one queue: delivered together in one SMTP transaction. */
export interface QueueItem {
  message: QueuedMessage;
  rcpts: number[];
}
