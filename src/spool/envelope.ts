// The envelope stored with every spooled message: everything delivery, accounting and the Signals
// connector need about a message besides its bytes. It is written as JSON next to the body, so a
// new optional field needs no format change; renaming or removing a field does (bump `v`).
// Each field notes which configuration decides it (reference powermta.md section in brackets).

/** Terminal states a recipient can reach; `pending` is the only non-terminal one. */
export const RECIPIENT_STATES = ['pending', 'delivered', 'bounced', 'expired', 'deleted', 'done'] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];
export type FinalRecipientState = Exclude<RecipientState, 'pending'>;

/** RFC 3461 NOTIFY values; `NEVER` stands alone. */
export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface SpoolRecipient {
  /** RCPT TO address as the client wrote it (quotes and case of the local part kept). */
  address: string;
  /** RFC 3461 ORCPT parameter, decoded: `rfc822;user@example.com`. */
  orcpt?: string;
  /** RFC 3461 NOTIFY parameter; absent when the client gave none. */
  notify?: DsnNotify[];
  /** Current state. Recovery returns only messages with at least one `pending` recipient. */
  state: RecipientState;
}

export interface SpoolEnvelope {
  /** Format version of this object. */
  v: 1;
  /** Spool id: time-ordered, unique within a spool; also the `id` in our Received header. */
  id: string;
  /** SparkPost-style message id (events/newMessageId): the `message_id` of every event. */
  messageId: string;
  /** When the message was received (ms since the epoch): accounting `timeQueued`. */
  receivedAt: number;
  /** MAIL FROM after the source's `rewrite-list` [§2.4]; '' for the null sender `<>`. */
  mailFrom: string;
  /** MAIL FROM as the client gave it, before rewriting. */
  originalMailFrom: string;
  recipients: SpoolRecipient[];
  /** Bytes of the stored message (headers we added included). */
  size: number;
  /** MAIL FROM BODY= (RFC 6152): 8BITMIME when the client declared it. */
  body?: '7BIT' | '8BITMIME';
  /** MAIL FROM SMTPUTF8 (RFC 6531): delivery needs a peer that offers SMTPUTF8. */
  smtpUtf8?: boolean;
  /** DSN RET (RFC 3461): FULL or HDRS; absent → the source's `dsn-return-default` [§2.2]. */
  dsnRet?: 'FULL' | 'HDRS';
  /** DSN ENVID (RFC 3461), or `X-Envid:` when the source has `process-x-envid` [§5.3]. */
  envId?: string;
  /** `X-Job:` when `process-x-job` (or `jobid-header`), with `jobid-prefix` applied [§5.1]. */
  jobId?: string;
  /**
   * Selected VirtualMTA or pool name: `X-Virtual-MTA:` when `process-x-virtual-mta`, else the
   * source's `default-virtual-mta` [§5.2, §2.2]; absent → PowerMTA's `{default}`.
   */
  virtualMta?: string;
  /** Whether `virtualMta` names a pool or a single VirtualMTA. */
  virtualMtaKind?: 'vmta' | 'pool';
  /** `X-SP-Subaccount-ID:` when `<signals> process-x-sp-subaccount-id` [§2.12]. */
  subaccountId?: number;
  /** Value of `<signals> custom-message-id-header` (≤512 ASCII characters) [§2.12]. */
  customMessageId?: string;
  /** Address of the From: header, and of Sender: when present (Signals sending domain). */
  headerFrom?: string;
  headerSender?: string;
  /** Subject, RFC 2047 words decoded. */
  subject?: string;
  /** Injection channel (accounting `srcType`). */
  srcType: 'smtp';
  /** `helo (ip)` of the injecting client (accounting `srcMta`). */
  srcMta: string;
  /** HELO/EHLO name the client gave. */
  helo: string;
  /** Client address (accounting `rcvSourceIp`). */
  clientIp: string;
  /** Local address the client connected to (`rcvDestinationIp`; `by-smtp-source-ip` uses it). */
  localIp: string;
  /** `smtp-listener` the message came in on, as `ip:port`. */
  listener: string;
  /** User of a successful SMTP AUTH (accounting `rcvSmtpUser`). */
  smtpUser?: string;
  /** TLS the client used, when it used STARTTLS or an immediate-TLS listener. */
  tls?: { protocol: string; cipher: string };
  /**
   * Source settings delivery still acts on, captured at reception so a reload does not change
   * queued mail: `verp-default`, `suppress-local-dsn`, `dsn-return-default`,
   * `add-x-virtual-mta-header` [§2.2].
   */
  delivery: {
    verp: boolean;
    suppressLocalDsn: boolean;
    dsnReturnDefault: 'headers' | 'full' | 'system';
    addVirtualMtaHeader: boolean;
  };
}

/**
 * What recovery keeps of an envelope: just what queueing needs. A million recovered messages must fit
 * in memory, so the rest stays on disk until delivery reads it (Spool#read).
 */
export type RecoveredEnvelope = Pick<SpoolEnvelope, 'id' | 'receivedAt' | 'size' | 'jobId' | 'virtualMta'> & {
  recipients: Array<{ address: string; state: RecipientState }>;
};

/** The compact form of `envelope`; `intern` shares repeated strings (job and VirtualMTA names). */
export function compactEnvelope(
  envelope: SpoolEnvelope,
  intern: (s: string) => string = (s) => s,
): RecoveredEnvelope {
  const compact: RecoveredEnvelope = {
    id: envelope.id,
    receivedAt: envelope.receivedAt,
    size: envelope.size,
    recipients: envelope.recipients.map((r) => ({ address: r.address, state: r.state })),
  };
  if (envelope.jobId !== undefined) compact.jobId = intern(envelope.jobId);
  if (envelope.virtualMta !== undefined) compact.virtualMta = intern(envelope.virtualMta);
  return compact;
}

/** A message as handed to `onSpooled`: its envelope, and its bytes (already on disk). */
export interface SpooledMessage {
  envelope: SpoolEnvelope;
  body: Buffer;
}

export function isFinal(state: RecipientState): state is FinalRecipientState {
  return state !== 'pending';
}
