// The inbound SMTP service: one TCP server per `smtp-listener`, the global connection limit
// (`total-max-smtp-in`, `smtp-await-slot`), and a graceful stop that lets messages in flight finish.
import { createServer, type Server, type Socket } from 'node:net';
import type { OutpostConfig } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import type { Spool, SpooledMessage } from '../spool/index.js';
import { VERSION } from '../version.js';
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

interface BoundServer {
  key: string;
  server: Server;
  bound: BoundListener;
  /** What new sessions on this listener get; a reload replaces it, open sessions keep theirs. */
  env: SessionEnv;
  awaitSlot: boolean;
}

interface PlannedListener {
  env: SessionEnv;
  awaitSlot: boolean;
  configured: string;
  host: string;
  port: number;
}

export class SmtpService implements Service {
  readonly name = 'smtp';
  /** By listener as configured (`127.0.0.1:0`), so a reload can tell kept, new and removed ones apart. */
  private readonly servers = new Map<string, BoundServer>();
  private readonly sessions = new Set<Session>();
  private readonly waiting: Array<() => void> = [];
  private readonly authLimiter: AuthLimiter;
  private config: OutpostConfig;
  private stopping = false;

  constructor(private readonly options: SmtpServiceOptions) {
    this.config = options.config;
    this.authLimiter = new AuthLimiter(options.now);
  }

  async start(): Promise<void> {
    try {
      const prepared = await this.prepareReload(this.config);
      prepared.commit();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Reload, first phase: the new policy and TLS contexts, and the new listeners bound; nothing
   * changes for clients until `commit`. Sessions already open keep the settings they started with.
   */
  async prepareReload(config: OutpostConfig): Promise<{ commit(): void; abort(): Promise<void> }> {
    const next = await this.plan(config);
    const added: BoundServer[] = [];
    const closeAdded = () => Promise.all(added.map(({ server }) => closeServer(server)));
    try {
      for (const [key, { env, awaitSlot, configured, host, port }] of next) {
        if (this.servers.has(key)) continue;
        const entry = { key, env, awaitSlot } as BoundServer;
        entry.server = createServer({ noDelay: true }, (socket) => this.accept(socket, entry));
        entry.bound = await listen(entry.server, host, port, configured);
        added.push(entry);
      }
    } catch (error) {
      await closeAdded();
      throw error;
    }
    return {
      commit: () => this.switchOver(config, next, added),
      abort: async () => void (await closeAdded()),
    };
  }

  /** What each configured listener's new sessions get, by listener key. */
  private async plan(config: OutpostConfig): Promise<Map<string, PlannedListener>> {
    const { log } = this.options;
    const policy = policyFrom(config);
    const shared = {
      policy,
      spool: this.options.spool(),
      bus: this.options.bus,
      onSpooled: this.options.onSpooled ?? (() => {}),
      log,
      authLimiter: this.authLimiter,
      version: VERSION,
      now: this.options.now ?? Date.now,
      stopping: () => this.stopping,
    };
    const next = new Map<string, PlannedListener>();
    for (const listener of config.listeners) {
      const configured = `${listener.host}:${listener.port}`;
      // Several `127.0.0.1:0` listeners are several listeners: the key counts repeats.
      const key = next.has(configured)
        ? `${configured}#${[...next.keys()].filter((k) => k.startsWith(`${configured}#`)).length + 1}`
        : configured;
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
      next.set(key, {
        env: { ...shared, listener: info },
        awaitSlot,
        configured,
        host: listener.host,
        port: listener.port,
      });
    }
    return next;
  }

  /** Kept listeners take their new settings, removed ones stop accepting, new ones start. */
  private switchOver(config: OutpostConfig, next: Map<string, PlannedListener>, added: BoundServer[]): void {
    const { log } = this.options;
    this.config = config;
    for (const [key, entry] of this.servers) {
      const kept = next.get(key);
      if (kept) Object.assign(entry, { env: kept.env, awaitSlot: kept.awaitSlot });
      else {
        // Sessions on a removed listener finish as they are.
        this.servers.delete(key);
        void closeServer(entry.server);
        log.info(entry.bound, `smtp listener on ${entry.bound.host}:${entry.bound.port} closed`);
      }
    }
    for (const entry of added) {
      this.servers.set(entry.key, entry);
      log.info(entry.bound, `smtp listener on ${entry.bound.host}:${entry.bound.port}`);
    }
  }

  /** SMTP sessions open now (`show status` conn.smtpIn.cur). */
  get connections(): number {
    return this.sessions.size;
  }

  /** Where each listener is bound (the real port when the configuration said 0). */
  addresses(): BoundListener[] {
    return [...this.servers.values()].map((s) => s.bound);
  }

  private accept(socket: Socket, { env, awaitSlot }: BoundServer) {
    socket.on('error', () => socket.destroy());
    const limit = this.config.global['total-max-smtp-in'];
    if (this.stopping) {
      socket.end(formatReply(replies.shuttingDown(env.policy.hostName)));
      // A client that never closes its side must not hold the port (server.close waits for it).
      socket.setTimeout(2000, () => socket.destroy());
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
    if (this.sessions.size < this.config.global['total-max-smtp-in']) this.waiting.shift()?.();
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

  /**
   * Graceful stop: the listeners stay open meanwhile so that new clients get a 421 rather than a
   * refused connection; each session finishes its current message (one in DATA gets its 250 once
   * spooled) and is closed; after 10 s the stragglers are cut off. Then the ports are released.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const resume of this.waiting.splice(0)) resume();
    for (const session of this.sessions) session.shutdown();
    const all = Promise.all([...this.sessions].map((s) => s.closed));
    const timer = setTimeout(() => {
      for (const session of this.sessions) session.socket.destroy();
    }, 10_000);
    await all;
    clearTimeout(timer);
    await Promise.all([...this.servers.values()].map(({ server }) => closeServer(server)));
    this.servers.clear();
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
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
