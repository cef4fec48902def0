// One SMTP connection: its state and the dispatcher (reference code-style.md §2). Guard rails live
// here, before any verb handler runs: the early-talker check, HTTP on the SMTP port, NUL bytes, the
// error limit, shutdown. Verb handlers are in verbs.ts and transaction.ts.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SourceSettings } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { Spool, SpooledMessage } from '../spool/index.js';
import type { AuthLimiter, AuthStep } from './auth.js';
import type { TransactionFacts } from './message.js';
import type { Policy } from './policy.js';
import { SmtpReader } from './reader.js';
import { formatReply, type Reply, replies } from './replies.js';
import { onDataEnd } from './transaction.js';
import { continueAuth, VERBS } from './verbs.js';

export interface ListenerInfo {
  /** `ip:port` as configured, for logs and the envelope. */
  label: string;
  /** The listener's address when it is a single one (not 0.0.0.0 or ::): every client reached it. */
  localIp?: string;
  /** `source=NAME` of the listener. */
  source?: string;
  tls?: import('node:tls').SecureContext;
  immediateTls: boolean;
}

/** What every session of a listener shares. */
export interface SessionEnv {
  policy: Policy;
  listener: ListenerInfo;
  spool: Spool;
  bus: EventBus;
  onSpooled: (message: SpooledMessage) => void;
  log: Logger;
  authLimiter: AuthLimiter;
  version: string;
  now: () => number;
  stopping: () => boolean;
}

/** Longest command line accepted; RFC 5321 §4.5.3.1.4 says 512, AUTH initial responses need more. */
export const MAX_COMMAND_LINE = 4096;
/** Unrecognized or malformed commands before the connection is closed. */
const MAX_ERRORS = 10;
const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|CONNECT|PATCH|TRACE) \S+ HTTP\/\d/i;

export class Session {
  socket: Socket;
  readonly reader: SmtpReader;
  settings: SourceSettings;
  readonly clientIp: string;
  readonly localIp: string;
  helo: string | undefined;
  esmtp = false;
  user: string | undefined;
  tls: { protocol: string; cipher: string } | undefined;
  tx: TransactionFacts | undefined;
  authStep: Extract<AuthStep, { challenge: string }> | undefined;
  /** A command is being handled asynchronously (DATA end, STARTTLS). */
  busy = false;
  private state: 'opening' | 'open' | 'closing' = 'opening';
  private earlyData = false;
  private errors = 0;
  private readonly opened: number;
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor(
    socket: Socket,
    readonly env: SessionEnv,
  ) {
    this.socket = socket;
    this.clientIp = socket.remoteAddress ?? '';
    // getsockname() is a system call per connection; a listener on one address already knows it.
    this.localIp = env.listener.localIp ?? socket.localAddress ?? '';
    this.opened = env.now();
    this.settings = env.policy.settingsFor(this.clientIp, env.listener.source);
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    this.reader = new SmtpReader(
      {
        line: (line) => this.onLine(line),
        lineTooLong: () => this.fail(replies.lineTooLong),
        dataEnd: (raw, overflow) => this.track(onDataEnd(this, raw, overflow)),
      },
      MAX_COMMAND_LINE,
    );
    this.attach(socket);
    socket.once('close', () => this.onClose());
    if (this.settings['log-connections']) {
      env.log.info({ client: this.clientIp, listener: env.listener.label }, 'smtp: connection opened');
    }
  }

  /** Reads from `socket` (the plain one, then the TLS one after STARTTLS). */
  attach(socket: Socket): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.env.log.debug({ err: error, client: this.clientIp }, 'smtp: socket error');
      socket.destroy();
    });
    socket.on('timeout', () => {
      this.reply(replies.timeout(this.env.policy.hostName));
      this.close();
    });
    this.timeoutMs = 0;
    this.setTimeout();
  }

  private timeoutMs = 0;

  /** Arms the idle timer for the current phase (DATA or commands) when its length changes. */
  setTimeout(): void {
    const seconds = this.reader.inData
      ? this.settings['smtp-data-timeout']
      : this.settings['smtp-command-timeout'];
    if (seconds * 1000 === this.timeoutMs) return;
    this.timeoutMs = seconds * 1000;
    this.socket.setTimeout(this.timeoutMs);
  }

  /**
   * Greets after the event loop has polled the socket once, without a timer: a client that talks
   * before the greeting (spam bots do, to save a round trip) has been read by then and is refused.
   * A client that waits for the greeting, as it must, is never delayed.
   */
  start(): void {
    setImmediate(() => setImmediate(() => this.greet()));
  }

  private greet() {
    if (this.state !== 'opening') return;
    const host = this.env.policy.hostName;
    if (this.earlyData) {
      this.env.log.info({ client: this.clientIp }, 'smtp: client talked before the greeting');
      this.reply(replies.earlyTalker(host));
      return this.close();
    }
    if (!this.settings['smtp-service']) {
      this.reply(replies.refused(host));
      return this.close();
    }
    if (this.env.stopping()) {
      this.reply(replies.shuttingDown(host));
      return this.close();
    }
    this.state = 'open';
    this.reply(replies.greeting(host, this.env.version));
  }

  private onData(chunk: Buffer): void {
    if (this.settings['log-data']) {
      this.env.log.info(
        { client: this.clientIp, bytes: chunk.length, hex: chunk.toString('hex') },
        'smtp: data',
      );
    }
    if (this.state === 'opening') this.earlyData = true;
    else if (this.state === 'open') this.reader.push(chunk);
  }

  private onLine(line: Buffer): void | Promise<void> {
    if (this.state !== 'open') return;
    if (line.indexOf(0) >= 0) return this.fail(replies.nulInCommand);
    const text = line.toString('utf8');
    if (this.settings['log-commands']) {
      const shown = this.authStep ? '(authentication data)' : text;
      this.env.log.info({ client: this.clientIp, command: shown }, `smtp: >>> ${shown}`);
    }
    if (this.authStep) return continueAuth(this, text);
    if (this.env.stopping()) {
      this.reply(replies.shuttingDown(this.env.policy.hostName));
      return this.close();
    }
    const space = text.indexOf(' ');
    const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const handler = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
    if (handler) {
      const result = handler(this, space < 0 ? '' : text.slice(space + 1).trim());
      return result ? this.track(result) : undefined;
    }
    if (HTTP_REQUEST.test(text)) {
      this.reply(replies.httpOnSmtp);
      return this.close();
    }
    return this.fail(replies.unknownCommand);
  }

  /** Marks the session busy while `work` runs, so shutdown waits for it. */
  private async track(work: Promise<void> | void): Promise<void> {
    this.busy = true;
    try {
      await work;
    } finally {
      this.busy = false;
      if (this.env.stopping() && this.state === 'open' && !this.reader.inData) this.shutdown();
    }
  }

  /** Writes a reply; `written` runs once it is handed to the kernel. */
  reply(reply: Reply, written?: () => void): void {
    if (this.socket.destroyed || this.state === 'closing') return;
    const text = formatReply(reply);
    if (this.settings['log-commands']) {
      this.env.log.info({ client: this.clientIp, reply: text.trimEnd() }, `smtp: <<< ${text.trimEnd()}`);
    }
    this.socket.write(text, written);
  }

  /** Replies with an error; too many of them closes the connection. */
  fail(reply: Reply) {
    if (++this.errors > MAX_ERRORS) {
      this.reply(replies.tooManyErrors(this.env.policy.hostName));
      return this.close();
    }
    this.reply(reply);
  }

  close(): void {
    if (this.state === 'closing') return;
    this.state = 'closing';
    this.socket.end();
    // A client that never closes its side is cut off.
    this.socket.setTimeout(5000, () => this.socket.destroy());
  }

  /**
   * QUIT: the goodbye, then close once it is written, without the half-close of close(). The
   * client has nothing left to say, and most close their side at once, which made shutdown() fail
   * (ENOTCONN) and build an error object for every connection.
   */
  quit(): void {
    const socket = this.socket;
    // Destroyed on the next tick, not in the write callback itself: a stream destroyed inside a
    // write callback builds an ERR_STREAM_DESTROYED (stack trace and all) that nobody sees, for
    // every connection (Node 20's errorBuffer).
    this.reply(replies.goodbye(this.env.policy.hostName), () => process.nextTick(() => socket.destroy()));
    this.state = 'closing';
  }

  /**
   * Service stop: idle sessions are told at once; a busy one after its current command; one not
   * greeted yet gets the 421 instead of its greeting (greet checks stopping).
   */
  shutdown() {
    if (this.state !== 'open' || this.busy || this.reader.inData) return;
    this.reply(replies.shuttingDown(this.env.policy.hostName));
    this.close();
  }

  private onClose(): void {
    this.state = 'closing';
    if (this.settings['log-connections']) {
      const seconds = (this.env.now() - this.opened) / 1000;
      this.env.log.info({ client: this.clientIp, seconds }, 'smtp: connection closed');
    }
    this.markClosed();
  }

  /** After STARTTLS: a new TLS socket, and everything learnt before it forgotten (RFC 3207 §4.2). */
  secured(socket: TLSSocket): void {
    this.attach(socket);
    this.tls = { protocol: socket.getProtocol() ?? 'TLS', cipher: socket.getCipher()?.name ?? '' };
    this.helo = undefined;
    this.esmtp = false;
    this.tx = undefined;
  }
}
