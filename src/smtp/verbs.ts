// Verb handlers outside the mail transaction: greeting verbs, STARTTLS, AUTH and the small ones.
// A handler returns a promise only when it must finish before the next pipelined command is read.
import { TLSSocket } from 'node:tls';
import { type AuthStep, MECHANISMS, type Mechanism, sendsPassword, startAuth, verify } from './auth.js';
import { messageSizeLimit } from './policy.js';
import { type Reply, replies } from './replies.js';
import type { Session } from './session.js';
import { data, mail, rcpt } from './transaction.js';

export type VerbHandler = (session: Session, args: string) => void | Promise<void>;

function canStartTls(s: Session): boolean {
  return s.settings['allow-starttls'] && s.env.listener.tls !== undefined && s.tls === undefined;
}

function canAuth(s: Session): boolean {
  return s.settings['allow-auth'] && s.env.policy.config.smtpUsers.size > 0;
}

/** AUTH mechanisms offered now: PLAIN and LOGIN only over TLS unless allow-unencrypted-plain-auth. */
function mechanisms(s: Session): Mechanism[] {
  if (s.settings['require-starttls-before-auth'] && !s.tls) return [];
  const clear = s.tls !== undefined || s.settings['allow-unencrypted-plain-auth'];
  return MECHANISMS.filter((m) => clear || !sendsPassword(m));
}

/** HELO and EHLO: the client names itself, and any transaction in progress is dropped. */
const greeting =
  (esmtp: boolean): VerbHandler =>
  (s, args) => {
    const name = args.split(' ')[0];
    if (!name) return s.fail(replies.badHelo);
    s.helo = name;
    s.esmtp = esmtp;
    s.tx = undefined;
    const lines = [`${s.env.policy.hostName} says hello`];
    if (esmtp) lines.push(...extensions(s));
    s.reply({ code: 250, lines });
  };

/** EHLO keywords in PowerMTA's order (powermta.md §5.4), then SMTPUTF8 and AUTH. */
function extensions(s: Session): string[] {
  const lines = canStartTls(s) ? ['STARTTLS'] : [];
  lines.push('ENHANCEDSTATUSCODES', 'PIPELINING', '8BITMIME', `SIZE ${messageSizeLimit(s.settings)}`, 'DSN');
  if (s.settings['allow-smtputf8']) lines.push('SMTPUTF8');
  const offered = canAuth(s) && s.user === undefined ? mechanisms(s) : [];
  if (offered.length > 0) lines.push(`AUTH ${offered.join(' ')}`);
  return lines;
}

function startTls(s: Session, args: string) {
  if (args !== '') return s.fail(replies.syntax('STARTTLS takes no arguments'));
  if (s.tls) return s.fail(replies.tlsTwice);
  if (!canStartTls(s)) return s.fail(replies.tlsUnavailable);
  s.reply(replies.tlsReady);
  s.reader.discardBuffered();
  return upgrade(s);
}

/** Wraps the session's socket in TLS; resolves when the handshake is done (or the socket is gone). */
export function upgrade(s: Session): Promise<void> {
  const plain = s.socket;
  plain.removeAllListeners('data');
  plain.removeAllListeners('timeout');
  const secure = new TLSSocket(plain, { isServer: true, secureContext: s.env.listener.tls! });
  return new Promise((resolve) => {
    secure.once('secure', () => {
      s.secured(secure);
      resolve();
    });
    secure.once('error', (error) => {
      // Typically a client offering only versions the configuration refuses.
      s.env.log.info({ client: s.clientIp, err: error.message }, 'smtp: TLS handshake failed');
      secure.destroy();
      resolve();
    });
    secure.setTimeout(s.settings['smtp-command-timeout'] * 1000, () => secure.destroy());
  });
}

function auth(s: Session, args: string) {
  if (!canAuth(s)) return s.fail(replies.authUnavailable);
  if (s.user !== undefined) return s.fail(replies.authTwice);
  if (s.tx) return s.fail(replies.nestedMail);
  if (s.settings['require-starttls-before-auth'] && !s.tls) return s.fail(replies.startTlsFirst);
  const [name = '', initial, extra] = args.split(' ');
  const mechanism = MECHANISMS.find((m) => m === name.toUpperCase());
  if (!mechanism || extra !== undefined) return s.fail(replies.badMechanism);
  if (!mechanisms(s).includes(mechanism)) return s.fail(replies.encryptionRequired);
  if (s.env.authLimiter.locked(s.clientIp, s.settings['smtp-max-auth-failure-rate'])) {
    return s.reply(replies.authLocked);
  }
  runAuth(s, startAuth(mechanism, initial, s.env.policy.hostName));
}

export function continueAuth(s: Session, answer: string) {
  const step = s.authStep!;
  s.authStep = undefined;
  runAuth(s, step.next(answer));
}

function runAuth(s: Session, step: AuthStep) {
  if ('challenge' in step) {
    s.authStep = step;
    return s.reply({ code: 334, lines: [step.challenge] });
  }
  if ('error' in step && step.error === 'cancelled') return s.reply(replies.authCancelled);
  if ('error' in step && step.error === 'bad-base64') return s.fail(replies.badBase64);
  const user = verify(s.env.policy.config.smtpUsers, step);
  if (user === undefined) {
    s.env.authLimiter.failed(s.clientIp, s.settings['smtp-max-auth-failure-rate']);
    s.env.log.info({ client: s.clientIp, user: 'user' in step ? step.user : undefined }, 'smtp: AUTH failed');
    return s.reply(replies.authFailed);
  }
  s.user = user;
  // {auth} or the user's own source applies from now on (powermta.md §1.5).
  s.settings = s.env.policy.settingsFor(s.clientIp, s.env.listener.source, user);
  s.reply(replies.authOk);
}

const simple =
  (reply: Reply): VerbHandler =>
  (s) =>
    s.reply(reply);

export const VERBS: Record<string, VerbHandler> = {
  EHLO: greeting(true),
  HELO: greeting(false),
  STARTTLS: startTls,
  AUTH: auth,
  MAIL: mail,
  RCPT: rcpt,
  DATA: data,
  RSET: (s) => {
    s.tx = undefined;
    s.reply(replies.resetOk);
  },
  NOOP: simple(replies.ok),
  VRFY: simple(replies.vrfy),
  HELP: simple(replies.help),
  QUIT: (s) => s.quit(),
  BDAT: simple(replies.notImplemented('BDAT')),
  EXPN: simple(replies.notImplemented('EXPN')),
};
