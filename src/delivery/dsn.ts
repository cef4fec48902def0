// Delivery Status Notifications Outpost itself sends back to a message's originator when it gives up
// on recipients (a permanent failure or an expiry), in the shape PowerMTA's DSNs have (powermta.md
// §6.5; RFC 3464). Never for the null sender (no DSN about a DSN or a report), never when the source
// set `suppress-local-dsn`, and only for recipients whose NOTIFY asks for failures (RFC 3461 §4.1:
// without NOTIFY, failures are reported).
import { randomBytes } from 'node:crypto';
import type { OutpostConfig } from '../config/index.js';
import { newMessageId } from '../events/index.js';
import type { DeliveryEnvelope } from '../queue/message.js';
import type { SpoolEnvelope } from '../spool/index.js';
import { newSpoolId } from '../spool/spool-id.js';

export interface FailedRecipient {
  address: string;
  orcpt?: string;
  dsnStatus: string;
  dsnDiag: string;
  dsnMta?: string;
  bounceCat?: string;
}

/** Whether the originator gets a DSN for this recipient. */
export function wantsFailureDsn(envelope: DeliveryEnvelope, index: number): boolean {
  if (envelope.mailFrom === '' || envelope.delivery?.suppressLocalDsn) return false;
  const notify = envelope.recipients[index]?.notify;
  return notify === undefined || notify.includes('FAILURE');
}

const rfc822Date = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

function headerSection(body: Buffer): string {
  const end = body.indexOf('\r\n\r\n');
  return body.subarray(0, end < 0 ? body.length : end + 2).toString('utf8');
}

/** The DSN message and the envelope to spool it with (from `<>` to the original sender). */
export function buildFailureDsn(
  config: OutpostConfig,
  original: DeliveryEnvelope,
  body: Buffer,
  failed: FailedRecipient[],
  vmta: string,
  now = Date.now(),
): { envelope: SpoolEnvelope; body: Buffer } {
  const host = config.global['host-name'][0] ?? 'localhost';
  const boundary = `report${randomBytes(4).toString('hex')}@${host}`;
  const full =
    original.dsnRet === 'FULL' ||
    (original.dsnRet === undefined && original.delivery?.dsnReturnDefault === 'full');
  const perRecipient = failed
    .map((f) =>
      [
        ...(f.orcpt ? [`Original-Recipient: ${f.orcpt}`] : []),
        `Final-Recipient: rfc822;${f.address}`,
        'Action: failed',
        `Status: ${f.dsnStatus}`,
        ...(f.dsnMta ? [`Remote-MTA: dns;${f.dsnMta}`] : []),
        `Diagnostic-Code: ${f.dsnDiag}`,
        ...(f.bounceCat ? [`X-PowerMTA-BounceCategory: ${f.bounceCat}`] : []),
      ].join('\r\n'),
    )
    .join('\r\n\r\n');
  const text = [
    `From: ${config.global['custom-dsn-from-header'] ?? `postmaster@${host}`}`,
    `To: <${original.mailFrom}>`,
    'Subject: Delivery report',
    `Date: ${rfc822Date(now)}`,
    `Message-ID: <${newSpoolId(now)}.dsn@${host}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello, this is the mail server on ${host}.`,
    'I am sending you this message to inform you on the delivery status of a',
    'message you previously sent.  Immediately below you will find a list of',
    'the affected recipients;  also attached is a Delivery Status Notification',
    '(DSN) report in standard format, as well as the headers of the original message.',
    '',
    ...failed.map((f) => `  <${f.address}>  delivery failed; will not continue trying`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns;${host}`,
    `X-PowerMTA-VirtualMTA: ${vmta}`,
    `Received-From-MTA: dns;${original.srcMta}`,
    `Arrival-Date: ${rfc822Date(original.receivedAt)}`,
    ...(original.envId ? [`Original-Envelope-Id: ${original.envId}`] : []),
    '',
    perRecipient,
    '',
    `--${boundary}`,
    `Content-Type: ${full ? 'message/rfc822' : 'text/rfc822-headers'}`,
    '',
    full ? body.toString('utf8') : headerSection(body),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const bytes = Buffer.from(text);
  const envelope: SpoolEnvelope = {
    v: 1,
    id: newSpoolId(now),
    messageId: newMessageId(now),
    receivedAt: now,
    mailFrom: '',
    originalMailFrom: '',
    recipients: [{ address: original.mailFrom, state: 'pending' }],
    size: bytes.length,
    srcType: 'smtp',
    srcMta: `${host} (127.0.0.1)`,
    helo: host,
    clientIp: '127.0.0.1',
    localIp: '127.0.0.1',
    listener: 'local',
    subject: 'Delivery report',
    headerFrom: `postmaster@${host}`,
    delivery: {
      verp: false,
      suppressLocalDsn: true,
      dsnReturnDefault: 'headers',
      addVirtualMtaHeader: false,
    },
  };
  return { envelope, body: bytes };
}
