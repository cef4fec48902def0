// The mail transaction: MAIL, RCPT, DATA, and what happens when the message is complete — build
// it, spool it durably, publish the reception events, hand it on, and only then say 250.
import { newMessageId } from '../events/index.js';
import { type DsnNotify, newSpoolId, SpoolUnavailableError } from '../spool/index.js';
import {
  AddressSyntaxError,
  canonicalAddress,
  decodeXtext,
  type Mailbox,
  parsePathArgument,
} from './address.js';
import { buildMessage } from './message.js';
import { messageSizeLimit } from './policy.js';
import { receptionEvents } from './reception.js';
import { decideRelay } from './relay.js';
import { replies } from './replies.js';
import type { Session } from './session.js';

const NON_ASCII = /[\u0080-\u{10ffff}]/u;
/** Recipients per message when `max-rcpt-per-message` is 0 (unlimited): bounds one envelope's size. */
const RECIPIENT_CEILING = 10_000;

export function mail(s: Session, args: string) {
  if (!s.helo) return s.fail(replies.needHelo);
  if (s.tx) return s.fail(replies.nestedMail);
  if (s.settings['require-auth'] && s.user === undefined) return s.fail(replies.authRequired);
  let path: ReturnType<typeof parsePathArgument>;
  try {
    path = parsePathArgument(args, 'FROM');
  } catch (error) {
    if (error instanceof AddressSyntaxError) return s.fail(replies.badSender(error.message));
    throw error;
  }
  const tx: NonNullable<Session['tx']> = { mailFrom: path.raw, smtpUtf8: false, recipients: [] };
  if (path.mailbox?.route.length) tx.mailFrom = `${path.mailbox.local}@${path.mailbox.domain}`;
  for (const [key, value] of path.params) {
    if (key === 'SIZE') {
      if (!/^\d+$/.test(value)) return s.fail(replies.syntax('SIZE needs a number'));
      if (Number(value) > messageSizeLimit(s.settings)) return s.fail(replies.sizeExceeded);
    } else if (key === 'BODY') {
      const body = value.toUpperCase();
      if (body !== '7BIT' && body !== '8BITMIME')
        return s.fail(replies.syntax('BODY must be 7BIT or 8BITMIME'));
      tx.body = body;
    } else if (key === 'SMTPUTF8' && value === '' && s.settings['allow-smtputf8']) tx.smtpUtf8 = true;
    else if (key === 'RET' && /^(FULL|HDRS)$/i.test(value)) tx.ret = value.toUpperCase() as 'FULL' | 'HDRS';
    else if (key === 'ENVID') {
      const envId = decodeXtext(value);
      if (envId === undefined || envId.length > 100) return s.fail(replies.syntax('bad ENVID'));
      tx.envId = envId;
    } else if (key !== 'AUTH') return s.fail(replies.unsupportedParam(key));
  }
  if (NON_ASCII.test(tx.mailFrom) && !tx.smtpUtf8) return s.fail(replies.smtpUtf8Needed);
  s.tx = tx;
  s.reply(replies.mailOk);
}

/** RFC 3461 NOTIFY: NEVER alone, or a list of SUCCESS, FAILURE, DELAY. */
function parseNotify(value: string): DsnNotify[] | undefined {
  const items = value.toUpperCase().split(',');
  const known = items.every((i) => ['NEVER', 'SUCCESS', 'FAILURE', 'DELAY'].includes(i));
  if (!known || (items.includes('NEVER') && items.length > 1)) return undefined;
  return items as DsnNotify[];
}

export function rcpt(s: Session, args: string) {
  const tx = s.tx;
  if (!tx) return s.fail(replies.needMail);
  let path: ReturnType<typeof parsePathArgument>;
  try {
    path = parsePathArgument(args, 'TO', s.env.policy.hostName);
  } catch (error) {
    if (error instanceof AddressSyntaxError) return s.fail(replies.badRecipient(error.message));
    throw error;
  }
  const mailbox: Mailbox | undefined = path.mailbox;
  if (!mailbox) return s.fail(replies.badRecipient('the null address is not a recipient'));
  const recipient: TransactionFactsRecipient = { address: canonicalAddress(mailbox) };
  for (const [key, value] of path.params) {
    if (key === 'NOTIFY') {
      const notify = parseNotify(value);
      if (!notify) return s.fail(replies.syntax('bad NOTIFY'));
      recipient.notify = notify;
    } else if (key === 'ORCPT') {
      const orcpt = decodeXtext(value);
      if (!orcpt || !/^[A-Za-z0-9-]+;./.test(orcpt)) return s.fail(replies.syntax('bad ORCPT'));
      recipient.orcpt = orcpt;
    } else return s.fail(replies.unsupportedParam(key));
  }
  if (NON_ASCII.test(recipient.address) && !tx.smtpUtf8) return s.fail(replies.smtpUtf8Needed);
  const verdict = decideRelay(s.env.policy.relay, mailbox, s.settings['always-allow-relaying']);
  if (!verdict.allowed) {
    s.env.log.info({ client: s.clientIp, rcpt: path.raw, reason: verdict.reason }, 'smtp: relaying denied');
    return s.fail(replies.relayDenied(path.raw, s.env.policy.config.global['relay-debug']));
  }
  const max = s.settings['max-rcpt-per-message'] || RECIPIENT_CEILING;
  if (tx.recipients.length >= max) return s.reply(replies.tooManyRecipients);
  tx.recipients.push(recipient);
  s.reply(replies.rcptOk(path.raw));
}

type TransactionFactsRecipient = NonNullable<Session['tx']>['recipients'][number];

export function data(s: Session, args: string) {
  if (args !== '') return s.fail(replies.syntax('DATA takes no arguments'));
  if (!s.tx) return s.fail(replies.needMail);
  if (s.tx.recipients.length === 0) return s.fail(replies.needRcpt);
  s.reply(replies.sendData);
  s.reader.startData(messageSizeLimit(s.settings));
  s.setTimeout();
}

/** DATA is complete: build, spool (durably), publish, hand on, reply. */
export async function onDataEnd(s: Session, raw: Buffer, overflow: boolean): Promise<void> {
  const tx = s.tx!;
  s.tx = undefined;
  s.setTimeout();
  if (overflow) return s.reply(replies.sizeExceeded);
  const { env } = s;
  const now = env.now();
  const ids = { id: newSpoolId(now), messageId: newMessageId(now), now, version: env.version };
  const facts = {
    helo: s.helo ?? '',
    esmtp: s.esmtp,
    clientIp: s.clientIp,
    localIp: s.localIp,
    listener: env.listener.label,
    ...(s.user !== undefined ? { user: s.user } : {}),
    ...(s.tls ? { tls: s.tls } : {}),
  };
  const built = buildMessage(env.policy, s.settings, facts, tx, raw, ids);
  if ('code' in built) return s.reply(built);
  try {
    await env.spool.store(built.envelope, built.body);
  } catch (error) {
    env.log.error({ err: error, client: s.clientIp }, 'smtp: could not spool a message');
    const full = error instanceof SpoolUnavailableError && error.reason === 'full';
    return s.reply(full ? replies.spoolFull : replies.spoolUnavailable);
  }
  for (const event of receptionEvents(built.envelope, built.headers, env.now())) env.bus.emit(event);
  try {
    env.onSpooled({ envelope: built.envelope, body: built.body });
  } catch (error) {
    // The message is safe in the spool; whoever failed to take it picks it up at the next start.
    env.log.error({ err: error, id: built.envelope.id }, 'smtp: onSpooled handler failed');
  }
  s.reply(replies.received);
}
