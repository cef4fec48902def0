// Every reply the listener sends, in PowerMTA's shape where PowerMTA's text is known (reference
// powermta.md §5.4: "250 2.1.0 MAIL ok", "354 send message", "250 2.6.0 message received", …).
// Enhanced status codes per RFC 3463 / RFC 5248; the comment names the condition.

export interface Reply {
  code: number;
  /** Text after the code (enhanced status included); several lines for multi-line replies. */
  lines: string[];
}

const r = (code: number, ...lines: string[]): Reply => ({ code, lines });

export function formatReply({ code, lines }: Reply): string {
  let out = '';
  lines.forEach((line, i) => {
    out += `${code}${i === lines.length - 1 ? ' ' : '-'}${line}\r\n`;
  });
  return out;
}

export const PRODUCT = 'Outpost';

export const replies = {
  // connection (RFC 5321 §4.2; PowerMTA's greeting and refusal)
  greeting: (host: string, version: string) => r(220, `${host} (${PRODUCT} v${version}) ESMTP service ready`),
  refused: (host: string) => r(521, `${host} does not accept mail from you`),
  tooManyConnections: (host: string) => r(421, `4.3.2 ${host} too many connections, try again later`),
  earlyTalker: (host: string) => r(554, `5.5.0 ${host} protocol error: you talked before the greeting`),
  httpOnSmtp: r(554, '5.5.0 this is an SMTP server, not an HTTP server'),
  tooManyErrors: (host: string) => r(421, `4.7.0 ${host} too many errors, closing connection`),
  timeout: (host: string) => r(421, `4.4.2 ${host} timeout, closing connection`),
  shuttingDown: (host: string) => r(421, `4.3.2 ${host} service shutting down`),
  goodbye: (host: string) => r(221, `2.0.0 ${host} says goodbye`),
  // syntax and sequence (5.5.x: protocol status)
  unknownCommand: r(500, '5.5.1 unrecognized command'),
  lineTooLong: r(500, '5.5.2 line too long'),
  nulInCommand: r(500, '5.5.2 NUL character in command'),
  syntax: (detail: string) => r(501, `5.5.4 ${detail}`),
  badHelo: r(501, '5.5.4 HELO/EHLO needs a host name'),
  needHelo: r(503, '5.5.1 send HELO/EHLO first'),
  needMail: r(503, '5.5.1 need MAIL command'),
  needRcpt: r(503, '5.5.1 need RCPT command'),
  nestedMail: r(503, '5.5.1 sender already specified'),
  unsupportedParam: (name: string) => r(555, `5.5.4 unsupported parameter ${name}`),
  notImplemented: (verb: string) => r(502, `5.5.1 ${verb} not implemented`),
  ok: r(250, '2.0.0 ok'),
  resetOk: r(250, '2.0.0 reset ok'),
  vrfy: r(252, '2.1.5 cannot VRFY user, but will accept message and attempt delivery'),
  help: r(214, '2.0.0 commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH'),
  // transaction (PowerMTA's texts)
  mailOk: r(250, '2.1.0 MAIL ok'),
  rcptOk: (address: string) => r(250, `2.1.5 <${address}> ok`),
  sendData: r(354, 'send message'),
  received: r(250, '2.6.0 message received'),
  // addresses (5.1.x)
  badSender: (detail: string) => r(501, `5.1.7 bad sender address: ${detail}`),
  badRecipient: (detail: string) => r(501, `5.1.3 bad recipient address: ${detail}`),
  /** The seed deployment's wording; relay-debug turns it into a 4xx (UG50 §3.3.1.32.3). */
  relayDenied: (raw: string, debug: boolean) =>
    r(debug ? 450 : 550, `${debug ? '4' : '5'}.7.1 relaying denied for recipient in "RCPT TO:<${raw}>"`),
  tooManyRecipients: r(452, '4.5.3 too many recipients'),
  smtpUtf8Needed: r(553, '5.6.7 non-ASCII address needs SMTPUTF8'),
  // message (5.2.x, 5.3.x, 5.4.x, 5.6.x)
  sizeExceeded: r(552, '5.3.4 message size exceeds fixed maximum message size'),
  nulInData: r(554, '5.6.0 message contains NUL characters'),
  tooManyHops: r(554, '5.4.6 too many hops (Received headers)'),
  badHeader: (detail: string) => r(554, `5.6.0 ${detail}`),
  unknownVirtualMta: (name: string) => r(550, `5.3.5 specified VirtualMTA "${name}" does not exist`),
  // policy and security (5.7.x; RFC 4954 for AUTH)
  authRequired: r(530, '5.7.0 authentication required'),
  startTlsFirst: r(530, '5.7.0 must issue a STARTTLS command first'),
  encryptionRequired: r(538, '5.7.11 encryption required for requested authentication mechanism'),
  authOk: r(235, '2.7.0 authentication succeeded'),
  authFailed: r(535, '5.7.8 authentication credentials invalid'),
  authLocked: r(454, '4.7.0 too many authentication failures, try again later'),
  authCancelled: r(501, '5.0.0 authentication cancelled'),
  authUnavailable: r(503, '5.5.1 AUTH not available'),
  authTwice: r(503, '5.5.1 already authenticated'),
  badMechanism: r(504, '5.5.4 unrecognized authentication mechanism'),
  badBase64: r(501, '5.5.2 cannot decode response'),
  tlsReady: r(220, '2.0.0 ready to start TLS'),
  tlsUnavailable: r(454, '4.7.0 TLS not available'),
  tlsTwice: r(503, '5.5.1 TLS already active'),
  // local trouble (4.3.x)
  spoolFull: r(452, '4.3.1 insufficient system storage'),
  spoolUnavailable: r(451, '4.3.0 temporary failure storing the message, try again later'),
} as const;
