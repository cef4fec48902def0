// The reception records (PowerMTA `r`, SparkPost `reception`) for a message just spooled: one per
// accepted recipient, with the message fields every later event of the message repeats.
import type { OutpostEvent } from '../events/index.js';
import type { SpoolEnvelope } from '../spool/index.js';

export function receptionEvents(
  envelope: SpoolEnvelope,
  headers: ReadonlyArray<readonly [string, string]>,
  now: number,
): OutpostEvent[] {
  // PowerMTA writes the pool name in `vmta` when a pool was selected (UG50 §11.2.6).
  const pool = envelope.virtualMtaKind === 'pool' ? envelope.virtualMta : undefined;
  const common: Omit<OutpostEvent, 'rcpt'> = {
    type: 'reception',
    timeLogged: now,
    timeQueued: envelope.receivedAt,
    messageId: envelope.messageId,
    orig: envelope.mailFrom,
    size: envelope.size,
    headers,
    srcType: 'smtp',
    srcMta: envelope.srcMta,
    rcvSourceIp: envelope.clientIp,
    rcvDestinationIp: envelope.localIp,
    ...(envelope.customMessageId !== undefined ? { customMessageId: envelope.customMessageId } : {}),
    ...(envelope.jobId !== undefined ? { jobId: envelope.jobId } : {}),
    ...(envelope.envId !== undefined ? { envId: envelope.envId } : {}),
    ...(envelope.subaccountId !== undefined ? { subaccountId: envelope.subaccountId } : {}),
    ...(envelope.subject !== undefined ? { subject: envelope.subject } : {}),
    ...(envelope.headerFrom !== undefined ? { headerFrom: envelope.headerFrom } : {}),
    ...(envelope.headerSender !== undefined ? { headerSender: envelope.headerSender } : {}),
    ...(envelope.smtpUser !== undefined ? { rcvSmtpUser: envelope.smtpUser } : {}),
    ...(envelope.virtualMta !== undefined ? { vmta: envelope.virtualMta } : {}),
    ...(pool !== undefined ? { vmtaPool: pool } : {}),
  };
  return envelope.recipients.map((r) => ({
    ...common,
    rcpt: r.address,
    ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
  }));
}
