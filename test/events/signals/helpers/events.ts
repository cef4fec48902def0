// OutpostEvent records of every type, as the producers being built in parallel will emit them
// (field names are PowerMTA's accounting names, src/events/record.ts).
import { type EventType, newMessageId, type OutpostEvent } from '../../../../src/events/index.js';

const SENT = Date.UTC(2025, 5, 1, 11, 59, 0);

const MESSAGE = {
  orig: 'bounces+x@bounces.example.com',
  jobId: 'spring-sale',
  subject: 'Spring deals',
  headerFrom: 'news@example.com',
  size: 4321,
  vmta: 'mta1',
  vmtaPool: 'default',
} satisfies Partial<OutpostEvent>;

const DELIVERY_ATTEMPT = {
  dlvType: 'smtp',
  dlvSourceIp: '192.0.2.10',
  dlvDestinationIp: '198.51.100.7',
  dlvEsmtpAvailable: 'PIPELINING,8BITMIME,STARTTLS',
  dsnMta: 'mx.gmail.com (198.51.100.7)',
  attempts: 0,
  timeQueued: SENT - 2500,
} satisfies Partial<OutpostEvent>;

const BY_TYPE: Record<EventType, Partial<OutpostEvent>> = {
  reception: {
    ...MESSAGE,
    vmta: 'default', // PowerMTA writes the pool's name in r records when a pool was selected
    srcType: 'smtp',
    srcMta: 'app.example.com (10.0.0.5)',
    rcvSourceIp: '10.0.0.5',
    rcvSmtpUser: 'SMTP_Injection',
  },
  delivery: {
    ...MESSAGE,
    ...DELIVERY_ATTEMPT,
    srcType: 'smtp',
    dsnAction: 'relayed',
    dsnStatus: '2.0.0 (success)',
    dsnDiag: 'smtp;250 2.0.0 OK 1718000000 ok',
    dlvSize: 4400,
    dlvTlsProtocol: 'TLSv1.3',
    attempts: 1,
  },
  bounce: {
    ...MESSAGE,
    ...DELIVERY_ATTEMPT,
    srcType: 'smtp',
    dsnAction: 'failed',
    dsnStatus: '5.1.1 (bad destination mailbox address)',
    dsnDiag: 'smtp;550 5.1.1 <Jane.Doe@gmail.com> user unknown at 198.51.100.7',
    bounceCat: 'bad-mailbox',
    bounceClass: 10,
  },
  transient: {
    ...MESSAGE,
    ...DELIVERY_ATTEMPT,
    srcType: 'smtp',
    dsnAction: 'delayed',
    dsnStatus: '4.2.2 (mailbox full)',
    dsnDiag: 'smtp;452 4.2.2 mailbox full',
    bounceClass: 22,
    attempts: 2,
  },
  'transient-queue': { vmta: 'mta1', queue: 'gmail.com/mta1', dsnStatus: '4.4.1 (no answer from host)' },
  rejection: {
    ...MESSAGE,
    srcType: 'smtp',
    rcvSourceIp: '203.0.113.9',
    dsnStatus: '5.7.1 (delivery not authorized)',
    dsnDiag: 'smtp;550 5.7.1 relaying denied',
    bounceClass: 54,
  },
  'remote-bounce': {
    orig: 'bounces+x@bounces.example.com',
    jobId: 'spring-sale',
    headerFrom: 'news@example.com',
    dsnStatus: '5.1.1 (bad destination mailbox address)',
    dsnDiag: 'smtp;550 5.1.1 <jane.doe@gmail.com>... No such user',
    dsnMta: 'mx.gmail.com (198.51.100.7)',
    dsnReportingMta: 'mx.gmail.com',
    bounceCat: 'bad-mailbox',
    bounceClass: 10,
    format: 'dsn',
  },
  'remote-status': { dsnAction: 'delayed', dsnStatus: '4.4.7 (delivery time expired)', format: 'dsn' },
  feedback: {
    orig: 'bounces+x@bounces.example.com',
    jobId: 'spring-sale',
    subject: 'Spring deals',
    headerFrom: 'news@example.com',
    feedbackType: 'abuse',
    userAgent: 'Yahoo!-Mail-Feedback/2.0',
    reportingMta: 'feedback.yahoo.com',
    dlvSourceIp: '192.0.2.10',
    format: 'arf',
  },
  'initial-open': {
    ipAddress: '203.0.113.50',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0)',
    jobId: 'spring-sale',
  },
  open: { ipAddress: '203.0.113.50', userAgent: 'Mozilla/5.0 (Windows NT 10.0)', jobId: 'spring-sale' },
  click: {
    ipAddress: '203.0.113.50',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0)',
    jobId: 'spring-sale',
    targetLinkUrl: 'https://example.com/spring?utm=mail',
  },
};

export const ALL_TYPES = Object.keys(BY_TYPE) as EventType[];
/** The types Signals takes (PowerMTA's tq and rs records have no ingest type). */
export const INGEST_EVENT_TYPES = ALL_TYPES.filter((t) => t !== 'transient-queue' && t !== 'remote-status');

export function makeEvent(type: EventType, overrides: Partial<OutpostEvent> = {}): OutpostEvent {
  return {
    type,
    timeLogged: SENT,
    messageId: newMessageId(SENT),
    rcpt: 'Jane.Doe@Gmail.com',
    orig: '',
    ...BY_TYPE[type],
    ...overrides,
  } as OutpostEvent;
}

/** `count` events cycling through every ingest type, stamped at `time`. */
export function mixedEvents(count: number, time: number): OutpostEvent[] {
  return Array.from({ length: count }, (_, i) =>
    makeEvent(INGEST_EVENT_TYPES[i % INGEST_EVENT_TYPES.length]!, {
      timeLogged: time,
      timeQueued: time - 1000,
      rcpt: `user${i}@example.org`,
    }),
  );
}
