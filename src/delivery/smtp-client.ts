// One outbound SMTP connection to a next hop, on nodemailer's smtp-connection (DESIGN.md): it binds
// the VirtualMTA's source address, says EHLO with its host name, uses STARTTLS when offered
// (`use-starttls`) or insists on it (`require-starttls`), pipelines the envelope when the server offers
// PIPELINING, and reports each recipient's own reply so a partial rejection bounces only those.
import type { TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DomainSettings } from '../config/index.js';
import { installWholeMessageData } from './data-phase.js';

export type SmtpPhase = 'CONN' | 'EHLO' | 'STARTTLS' | 'AUTH' | 'MAIL' | 'RCPT' | 'DATA';

/** A failure of the whole attempt (not of one recipient), with the SMTP context a classifier needs. */
export class SmtpDeliveryError extends Error {
  constructor(
    message: string,
    readonly phase: SmtpPhase,
    /** False for connection trouble and 4xx: the message stays queued. */
    readonly permanent: boolean,
    readonly code?: number,
    readonly response?: string,
  ) {
    super(message);
    this.name = 'SmtpDeliveryError';
  }
}

export interface RecipientReply {
  rcpt: string;
  accepted: boolean;
  code: number;
  /** The server's reply text, e.g. `550 5.1.1 <x@y> User unknown`. */
  response: string;
}

export interface OutboundOptions {
  host: string;
  address: string;
  port: number;
  localAddress?: string;
  heloName: string;
  settings: DomainSettings;
}

const PHASES: Record<string, SmtpPhase> = {
  CONN: 'CONN',
  'MAIL FROM': 'MAIL',
  'RCPT TO': 'RCPT',
  DATA: 'DATA',
  STARTTLS: 'STARTTLS',
  EHLO: 'EHLO',
  HELO: 'EHLO',
  LHLO: 'EHLO',
};

type NodemailerError = Error & {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
};

function toDeliveryError(error: NodemailerError, fallback: SmtpPhase): SmtpDeliveryError {
  const phase =
    PHASES[error.command?.split(' ').slice(0, 2).join(' ').toUpperCase() ?? ''] ??
    PHASES[error.command ?? ''] ??
    fallback;
  const code = error.responseCode;
  // A 5xx greeting or reply is permanent; 421/4xx, timeouts and dropped connections are not.
  const permanent = code !== undefined && code >= 500 && code !== 503;
  return new SmtpDeliveryError(error.message, phase, permanent, code, error.response);
}

function tlsVersions(settings: DomainSettings): { minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' } {
  if (settings['smtp-tls-allow-tlsv1']) return { minVersion: 'TLSv1' };
  if (settings['smtp-tls-allow-tlsv1.1']) return { minVersion: 'TLSv1.1' };
  if (settings['smtp-tls-allow-tlsv1.2']) return { minVersion: 'TLSv1.2' };
  return { minVersion: 'TLSv1.3' };
}

export class OutboundSession {
  messagesSent = 0;
  private closed = false;

  private constructor(
    private readonly connection: SMTPConnection,
    readonly options: OutboundOptions,
    /** The remote's EHLO keywords (PowerMTA's dlvEsmtpAvailable). */
    readonly extensions: string[],
  ) {}

  static async open(options: OutboundOptions): Promise<OutboundSession> {
    const s = options.settings;
    const connection = new SMTPConnection({
      host: options.address,
      port: options.port,
      name: options.heloName,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      connectionTimeout: s['connect-timeout'] * 1000,
      greetingTimeout: s['smtp-greeting-timeout'] * 1000,
      socketTimeout: Math.max(s['data-send-timeout'], s['smtp-data-termination-timeout']) * 1000,
      ignoreTLS: !s['use-starttls'] && !s['require-starttls'],
      requireTLS: s['require-starttls'],
      opportunisticTLS: !s['require-starttls'],
      // Opportunistic TLS between MTAs does not validate certificates (RFC 7435); DANE/MTA-STS do that.
      tls: { rejectUnauthorized: false, servername: options.host, ...tlsVersions(s) },
    });
    // Connection errors arrive as 'error' events, not through connect()'s callback; later errors of
    // a session are also reported to the send() callbacks, so a listener must always be attached.
    connection.on('error', () => {});
    installWholeMessageData(connection);
    try {
      await new Promise<void>((resolve, reject) => {
        const ended = () =>
          reject(Object.assign(new Error('connection closed during greeting'), { code: 'ECONNECTION' }));
        connection.once('error', reject);
        connection.once('end', ended);
        connection.connect(() => {
          connection.removeListener('error', reject);
          connection.removeListener('end', ended);
          resolve();
        });
      });
      const username = s['auth-username'];
      if (username) {
        await new Promise<void>((resolve, reject) =>
          connection.login({ user: username, pass: s['auth-password'] ?? '' }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      }
    } catch (error) {
      connection.close();
      throw toDeliveryError(error as NodemailerError, 'CONN');
    }
    const extensions = (
      (connection as unknown as { _supportedExtensions?: string[] })._supportedExtensions ?? []
    ).filter((e) => e !== 'STARTTLS' || !connection.secure);
    return new OutboundSession(connection, options, extensions);
  }

  /** The negotiated TLS protocol and cipher, when the connection is encrypted. */
  get tls(): { protocol: string; cipher: string } | undefined {
    const socket = (this.connection as unknown as { _socket?: TLSSocket })._socket;
    if (!this.connection.secure || !socket?.getProtocol) return undefined;
    return { protocol: socket.getProtocol() ?? '', cipher: socket.getCipher()?.name ?? '' };
  }

  get localAddress(): string | undefined {
    return (this.connection as unknown as { _socket?: { localAddress?: string } })._socket?.localAddress;
  }

  /**
   * Sends one message to some recipients. Resolves with one reply per recipient (accepted ones carry
   * the final DATA reply); rejects with SmtpDeliveryError when the attempt as a whole failed.
   */
  async send(
    from: string,
    recipients: string[],
    message: Buffer,
    dsn?: { envid?: string; ret?: 'FULL' | 'HDRS' },
  ): Promise<RecipientReply[]> {
    const envelope = {
      from: from === '' ? false : from,
      to: recipients,
      size: message.length,
      ...(dsn && (dsn.envid || dsn.ret)
        ? { dsn: { ...(dsn.envid ? { envid: dsn.envid } : {}), ...(dsn.ret ? { ret: dsn.ret } : {}) } }
        : {}),
    };
    try {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        this.connection.send(envelope as SMTPConnection.Envelope, message, (err, result) =>
          err ? reject(err) : resolve(result!),
        ),
      );
      this.messagesSent++;
      const rejected = new Map(
        (info.rejectedErrors ?? []).map((e) => [
          (e as NodemailerError & { recipient?: string }).recipient ?? '',
          e,
        ]),
      );
      return recipients.map((rcpt) => {
        const error = rejected.get(rcpt) as NodemailerError | undefined;
        if (error)
          return {
            rcpt,
            accepted: false,
            code: error.responseCode ?? 450,
            response: error.response ?? error.message,
          };
        return {
          rcpt,
          accepted: true,
          code: Number(info.response.slice(0, 3)) || 250,
          response: info.response,
        };
      });
    } catch (error) {
      const e = error as NodemailerError & {
        rejectedErrors?: Array<NodemailerError & { recipient?: string }>;
      };
      // The server may still hold the transaction (MAIL accepted, every RCPT refused, or DATA
      // refused): without RSET the next MAIL on this connection gets "503 nested MAIL command".
      await this.resetAfterFailure();
      // Every recipient refused at RCPT: report them one by one, the session itself is fine.
      if (e.code === 'EENVELOPE' && e.rejectedErrors?.length) {
        const byRcpt = new Map(e.rejectedErrors.map((r) => [r.recipient ?? '', r]));
        return recipients.map((rcpt) => {
          const r = byRcpt.get(rcpt);
          return {
            rcpt,
            accepted: false,
            code: r?.responseCode ?? e.responseCode ?? 450,
            response: r?.response ?? e.response ?? e.message,
          };
        });
      }
      throw toDeliveryError(e, 'DATA');
    }
  }

  /** RSET between messages that failed mid-transaction, so the connection can be reused. */
  async reset(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.connection.reset((err) => (err ? reject(toDeliveryError(err, 'MAIL')) : resolve())),
    );
  }

  /** RSET when the connection is still up; a connection that cannot even do that is closed. */
  private async resetAfterFailure(): Promise<void> {
    if (!this.usable) return;
    try {
      await this.reset();
    } catch {
      this.close();
    }
  }

  get usable(): boolean {
    return !this.closed && Boolean((this.connection as unknown as { _socket?: unknown })._socket);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.quit();
    setTimeout(() => this.connection.close(), 1000).unref();
  }
}
