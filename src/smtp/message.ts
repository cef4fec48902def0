// End of DATA: from the raw bytes and what the session knows to the envelope and the bytes we spool.
// Adds Received (add-received-header, hide-message-source), Message-ID (add-message-id-header) and
// Date (add-date-header), consumes the control headers, applies the source's rewrite-list.
import type { SourceSettings } from '../config/index.js';
import type { DsnNotify, SpoolEnvelope } from '../spool/index.js';
import { readControlHeaders } from './control-headers.js';
import { cleanData } from './data.js';
import {
  decodeWords,
  type HeaderField,
  headerAddress,
  headerValues,
  parseHeaders,
  rebuild,
} from './headers.js';
import type { Policy } from './policy.js';
import { PRODUCT, type Reply, replies } from './replies.js';
import { rewriteMailFrom } from './rewrite.js';

export interface SessionFacts {
  helo: string;
  /** EHLO (ESMTP) rather than HELO. */
  esmtp: boolean;
  clientIp: string;
  localIp: string;
  listener: string;
  user?: string;
  tls?: { protocol: string; cipher: string };
}

export interface TransactionFacts {
  /** MAIL FROM as given, '' for `<>`. */
  mailFrom: string;
  body?: '7BIT' | '8BITMIME';
  smtpUtf8: boolean;
  ret?: 'FULL' | 'HDRS';
  envId?: string;
  recipients: Array<{ address: string; orcpt?: string; notify?: DsnNotify[] }>;
}

export interface BuiltMessage {
  envelope: SpoolEnvelope;
  body: Buffer;
  /** Header fields as received, for the reception events' `header_NAME` fields. */
  headers: Array<readonly [string, string]>;
}

export interface Ids {
  id: string;
  messageId: string;
  now: number;
  version: string;
}

let dateCache = { second: -1, text: '' };

/** RFC 5322 date-time in UTC (formatted once per second: every Received header needs one). */
export function rfc5322Date(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== dateCache.second) {
    dateCache = { second, text: new Date(ms).toUTCString().replace(/GMT$/, '+0000') };
  }
  return dateCache.text;
}

function receivedHeader(
  policy: Policy,
  settings: SourceSettings,
  s: SessionFacts,
  tx: TransactionFacts,
  ids: Ids,
) {
  const protocol = `${s.esmtp ? 'E' : ''}SMTP${s.tls ? 'S' : ''}${s.user !== undefined ? 'A' : ''}`;
  const from = settings['hide-message-source'] ? '' : `from ${s.helo} (${s.clientIp})\r\n\t`;
  const rcpt = tx.recipients.length === 1 ? ` for <${tx.recipients[0]!.address}>` : '';
  const tls = s.tls ? `\r\n\t(using ${s.tls.protocol} with cipher ${s.tls.cipher})` : '';
  return (
    `Received: ${from}by ${policy.hostName} (${PRODUCT} v${ids.version}) with ${protocol}${tls}\r\n\t` +
    `id ${ids.id}${rcpt}; ${rfc5322Date(ids.now)}\r\n\t(envelope-from <${tx.mailFrom}>)\r\n`
  );
}

export function buildMessage(
  policy: Policy,
  settings: SourceSettings,
  session: SessionFacts,
  tx: TransactionFacts,
  raw: Buffer,
  ids: Ids,
): BuiltMessage | Reply {
  const { body: cleaned, hasNul } = cleanData(raw);
  if (hasNul) return replies.nulInData;
  const section = parseHeaders(cleaned);
  if (headerValues(section, 'received').length > settings['max-message-hops']) return replies.tooManyHops;
  const control = readControlHeaders(section, settings, policy, session);
  if ('code' in control) return control;
  const { values, remove } = control;

  let append = '';
  const has = (key: string) => section.fields.some((f) => f.key === key && !remove.has(f));
  if (settings['add-message-id-header'] && !has('message-id')) {
    append += `Message-ID: <${ids.id}.${ids.messageId}@${policy.hostName}>\r\n`;
  }
  const dateMode = settings['add-date-header'];
  if (dateMode === 'override') for (const f of section.fields) if (f.key === 'date') remove.add(f);
  if ((dateMode === 'yes' && !has('date')) || dateMode === 'override')
    append += `Date: ${rfc5322Date(ids.now)}\r\n`;
  const received = settings['add-received-header'] ? receivedHeader(policy, settings, session, tx, ids) : '';
  const body = rebuild(cleaned, section, remove, received, append);

  const first = (key: string) => section.fields.find((f: HeaderField) => f.key === key)?.value;
  const subject = first('subject');
  const headerFrom = headerAddress(first('from'));
  const headerSender = headerAddress(first('sender'));
  const envId = tx.envId ?? values.headerEnvId;
  const rewritten = rewriteMailFrom(
    policy.config.rewriteLists.get(settings['rewrite-list'] ?? ''),
    tx.mailFrom,
  );
  const envelope: SpoolEnvelope = {
    v: 1,
    id: ids.id,
    messageId: ids.messageId,
    receivedAt: ids.now,
    mailFrom: rewritten,
    originalMailFrom: tx.mailFrom,
    recipients: tx.recipients.map((r) => ({ ...r, state: 'pending' })),
    size: body.length,
    ...(tx.body ? { body: tx.body } : {}),
    ...(tx.smtpUtf8 ? { smtpUtf8: true } : {}),
    ...(tx.ret ? { dsnRet: tx.ret } : {}),
    ...(envId !== undefined ? { envId } : {}),
    ...(values.jobId !== undefined ? { jobId: values.jobId } : {}),
    ...(values.virtualMta ? { virtualMta: values.virtualMta, virtualMtaKind: values.virtualMtaKind } : {}),
    ...(values.subaccountId !== undefined ? { subaccountId: values.subaccountId } : {}),
    ...(values.customMessageId !== undefined ? { customMessageId: values.customMessageId } : {}),
    ...(headerFrom ? { headerFrom } : {}),
    ...(headerSender ? { headerSender } : {}),
    ...(subject !== undefined ? { subject: decodeWords(subject) } : {}),
    srcType: 'smtp',
    srcMta: `${session.helo} (${session.clientIp})`,
    helo: session.helo,
    clientIp: session.clientIp,
    localIp: session.localIp,
    listener: session.listener,
    ...(session.user !== undefined ? { smtpUser: session.user } : {}),
    ...(session.tls ? { tls: session.tls } : {}),
    delivery: {
      verp: settings['verp-default'],
      suppressLocalDsn: settings['suppress-local-dsn'],
      dsnReturnDefault: settings['dsn-return-default'],
      addVirtualMtaHeader: settings['add-x-virtual-mta-header'],
    },
  };
  const headers = section.fields.map((f) => [f.name, f.value] as const);
  return { envelope, body, headers };
}
