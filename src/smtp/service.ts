// The inbound SMTP service: one TCP server per `smtp-listener`, the global connection limit
// (`total-max-smtp-in`, `smtp-await-slot`), and a graceful stop that lets messages in flight finish.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { OutpostConfig } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import type { Spool, SpooledMessage } from '../spool/index.js';
import { AuthLimiter } from './auth.js';
import { policyFrom } from './policy.js';
import { formatReply, replies } from './replies.js';
import { type ListenerInfo, Session, type SessionEnv } from './session.js';
import { listenerTls } from './tls.js';
import { upgrade } from './verbs.js';

export interface SmtpServiceOptions {
  config: OutpostConfig;
  bus: EventBus;
  /** The open spool (the spool service starts first). */
  spool: () => Spool;
  log: Logger;
  /** Where a generated self-signed certificate is kept. */
  dataDir: string;
  /**
   * Called with every message once it is durably spooled and its reception events are out, before
   * the client gets its 250. The queue (delivery engine) and the bounce/FBL processors plug in
   * here. Must not throw; it is not awaited.
   */
  onSpooled?: (message: SpooledMessage) => void;
  now?: () => number;
}

export interface BoundListener {
  /** As configured (`127.0.0.1:0`). */
  configured: string;
  host: string;
  port: number;
}

const VERSION: string = (() => {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0';
  }
})();

export class SmtpService implements Service {
  readonly name = 'smtp';
  private readonly servers: Array<{ server: Server; bound: BoundListener }> = [];
  private readonly sessions = new Set<Session>();
  private readonly waiting: Array<() => void> = [];
  private stopping = false;

  constructor(private readonly options: SmtpServiceOptions) {}

  async start(): Promise<void> {
    const { config, log } = this.options;
    const policy = policyFrom(config);
    const shared = {
      policy,
      spool: this.options.spool(),
      bus: this.options.bus,
      onSpooled: this.options.onSpooled ?? (() => {}),
      log,
      authLimiter: new AuthLimiter(this.options.now),
      version: VERSION,
      now: this.options.now ?? Date.now,
      stopping: () => this.stopping,
    };
    try {
      for (const listener of config.listeners) {
        const configured = `${listener.host}:${listener.port}`;
        const tls = await listenerTls({
          config,
          listener,
          dataDir: this.options.dataDir,
          hostName: policy.hostName,
          log,
        });
        const wildcard = listener.host === '0.0.0.0' || listener.host === '::';
        const info: ListenerInfo = {
          label: configured,
          ...(wildcard ? {} : { localIp: listener.host }),
          ...(listener.source ? { source: listener.source } : {}),
          ...(tls ? { tls } : {}),
          immediateTls: listener.settings['immediate-tls'] ?? false,
        };
        const awaitSlot = listener.settings['await-slot'] ?? config.global['smtp-await-slot'];
        const env: SessionEnv = { ...shared, listener: info };
        const server = createServer({ noDelay: true }, (socket) => this.accept(socket, env, awaitSlot));
        const bound = await listen(server, listener.host, listener.port, configured);
        this.servers.push({ server, bound });
        log.info(bound, `smtp listener on ${bound.host}:${bound.port}`);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Where each listener is bound (the real port when the configuration said 0). */
  addresses(): BoundListener[] {
    return this.servers.map((s) => s.bound);
  }

  private accept(socket: Socket, env: SessionEnv, awaitSlot: boolean) {
    socket.on('error', () => socket.destroy());
    const limit = this.options.config.global['total-max-smtp-in'];
    if (this.stopping) {
      socket.end(formatReply(replies.shuttingDown(env.policy.hostName)));
      return;
    }
    if (this.sessions.size < limit) return this.open(socket, env);
    if (!awaitSlot) {
      socket.end(formatReply(replies.tooManyConnections(env.policy.hostName)));
      return;
    }
    socket.pause();
    this.waiting.push(() => (socket.destroyed ? this.nextWaiting() : this.open(socket, env)));
  }

  private nextWaiting(): void {
    if (this.sessions.size < this.options.config.global['total-max-smtp-in']) this.waiting.shift()?.();
  }

  private open(socket: Socket, env: SessionEnv) {
    const session = new Session(socket, env);
    this.sessions.add(session);
    void session.closed.then(() => {
      this.sessions.delete(session);
      this.nextWaiting();
    });
    if (!env.listener.immediateTls) return session.start();
    // SMTPS: the TLS handshake comes first, then the greeting.
    session.busy = true;
    void upgrade(session).then(() => {
      session.busy = false;
      if (session.tls) session.start();
    });
  }

  /** Stops accepting, lets each session finish its current message, and closes them (10 s at most). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const resume of this.waiting.splice(0)) resume();
    const closing = this.servers.map(({ server }) => new Promise((resolve) => server.close(resolve)));
    for (const session of this.sessions) session.shutdown();
    const all = Promise.all([...this.sessions].map((s) => s.closed));
    const timer = setTimeout(() => {
      for (const session of this.sessions) session.socket.destroy();
    }, 10_000);
    await all;
    clearTimeout(timer);
    await Promise.all(closing);
    this.servers.length = 0;
  }
}

function listen(server: Server, host: string, port: number, configured: string): Promise<BoundListener> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off('error', reject);
      const address = server.address();
      const bound = typeof address === 'object' && address ? address : { address: host, port };
      resolve({ configured, host: bound.address, port: bound.port });
    });
  });
}
