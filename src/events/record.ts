// The one typed event record every outcome becomes (reference code-style.md §7). Producers: the SMTP
// listener (reception, rejection), delivery (delivery, bounce, transient, transient-queue), the
// bounce/FBL processors (remote-bounce, remote-status, feedback) and the tracking endpoint (open,
// initial-open, click). Consumers: the accounting writer (PowerMTA CSV), the Signals connector
// (SparkPost ingest NDJSON), metrics and the management API.
//
// Field names are PowerMTA's accounting field names (reference powermta.md §3.3) wherever PowerMTA
// has one, so the accounting writer reads `event[field]` directly; the Signals connector maps them to
// SparkPost's names. Times are milliseconds since the epoch.

/** Outpost's event types, and the PowerMTA record type and SparkPost ingest type of each. */
export const EVENT_TYPES = {
  reception: { record: 'r', ingest: 'reception' },
  delivery: { record: 'd', ingest: 'delivery' },
  bounce: { record: 'b', ingest: 'inband' },
  transient: { record: 't', ingest: 'tempfail' },
  'transient-queue': { record: 'tq', ingest: undefined },
  rejection: { record: undefined, ingest: 'rejection' },
  'remote-bounce': { record: 'rb', ingest: 'outofband' },
  'remote-status': { record: 'rs', ingest: undefined },
  feedback: { record: 'f', ingest: 'feedback' },
  'initial-open': { record: undefined, ingest: 'initial_open' },
  open: { record: undefined, ingest: 'open' },
  click: { record: undefined, ingest: 'click' },
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export interface OutpostEvent {
  type: EventType;
  /** When the event happened (PowerMTA's timeLogged). */
  timeLogged: number;
  /** When the message was spooled. */
  timeQueued?: number;

  // ---- the message -----------------------------------------------------------------------------
  /** SparkPost-style 20-hex message id assigned at reception (reference sparkpost-api.md §1.4). */
  messageId: string;
  /** Value of the `custom-message-id-header`, when configured and present. */
  customMessageId?: string;
  /** Envelope sender after rewriting (`orig`). */
  orig: string;
  /** Envelope recipient (`rcpt`) as given; Signals lower-cases it. */
  rcpt: string;
  /** DSN ORCPT. */
  orcpt?: string;
  jobId?: string;
  envId?: string;
  /**
   * Subaccount the producer knows: X-SP-Subaccount-ID as the listener read it under
   * process-x-sp-subaccount-id, or mailmerge `*subaccountid`. It beats the subaccount the
   * configuration gives (UG50 §10.1.4.2.5).
   */
  subaccountId?: number;
  subject?: string;
  /** The From: header address, and Sender: when present (the Signals sending domain comes from these). */
  headerFrom?: string;
  headerSender?: string;
  /** Message size in bytes as received. */
  size?: number;
  /**
   * Whether this message got an open pixel / wrapped links (SparkPost open_tracking, click_tracking).
   * Unset: the connector reports the `<signals> engagement-tracking` setting.
   */
  openTracking?: boolean;
  clickTracking?: boolean;
  /** The message's header fields, for `header_NAME` accounting fields. Shared, never copied per event. */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;

  // ---- reception -------------------------------------------------------------------------------
  srcType?: 'smtp' | 'api' | 'pickup';
  /** `helo (ip)` of the injecting client. */
  srcMta?: string;
  rcvSourceIp?: string;
  rcvDestinationIp?: string;
  rcvSmtpUser?: string;

  // ---- routing and delivery --------------------------------------------------------------------
  /** VirtualMTA that delivered (or the pool name on reception records, as PowerMTA writes it). */
  vmta?: string;
  vmtaPool?: string;
  /** `domain/vmta`. */
  queue?: string;
  dsnAction?: 'relayed' | 'delivered' | 'failed' | 'delayed' | 'expanded';
  /** Enhanced status with its RFC 3463 text: `5.1.1 (bad destination mailbox address)`. */
  dsnStatus?: string;
  /** `smtp;550 5.1.1 user unknown`. */
  dsnDiag?: string;
  /** `mx.example.com (192.0.2.1)`. */
  dsnMta?: string;
  /** PowerMTA bounce category (reference powermta.md §4). */
  bounceCat?: string;
  /** SparkPost bounce class number (reference sparkpost-api.md §3). */
  bounceClass?: number;
  dlvType?: 'smtp' | 'pipe' | 'discard' | 'file';
  dlvSourceIp?: string;
  dlvDestinationIp?: string;
  /** The remote's EHLO extensions, comma-joined. */
  dlvEsmtpAvailable?: string;
  dlvSize?: number;
  dlvTlsProtocol?: string;
  dlvTlsCipher?: string;
  /** Failed attempts before this outcome (SparkPost num_retries). */
  attempts?: number;

  // ---- remote reports (bounce and feedback-loop processors) ------------------------------------
  dsnReportingMta?: string;
  /** `dsn`, `qmail`, `arf`, `jmrp`, … or a pattern file name. */
  format?: string;
  feedbackType?: string;
  userAgent?: string;
  reportingMta?: string;
  /** The local address that received the report. */
  repSourceIp?: string;
  reportedDomain?: string;
  /** Every ARF field, for `arf_NAME` accounting fields. */
  arf?: Readonly<Record<string, readonly string[]>>;

  // ---- engagement ------------------------------------------------------------------------------
  /** Client address of an open or click (SparkPost ip_address). */
  ipAddress?: string;
  targetLinkUrl?: string;
  /** The open came through a mail privacy proxy (Apple, Google image proxy). */
  privacyProxy?: string;
}
