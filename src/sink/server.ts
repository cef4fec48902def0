// `outpost sink`: an SMTP server that answers like mailbox providers do (rules.ts, provider.ts),
// then bounces, complains, opens and clicks afterwards (followup.ts). It counts every outcome per
// rule so a test, a benchmark or the demo can compare what Outpost reports with what happened.
import { createServer, type Server, type Socket } from 'node:net';
import { Chance } from './chance.js';
import { type FollowupCounts, Followups } from './followup.js';
import { Provider, type Verdict } from './provider.js';
import { delayRange, type ReplyKind, type SinkConfig } from './rules.js';
import { type AcceptedMessage, SinkSession } from './session.js';

export interface SinkOptions {
  config: SinkConfig;
  /** Where to listen; port 0 picks a free one. */
  host?: string;
  port?: number;
  now?: () => number;
  onError?: (what: string, error: unknown) => void;
  /** Called for every accepted message (tests). */
  onAccepted?: (message: AcceptedMessage) => void;
}

export interface SinkStats {
  connections: number;
  messages: number;
  /** Replies to RCPT per rule (named by its first domain) and kind. */
  replies: Record<string, Partial<Record<ReplyKind, number>>>;
  followups: FollowupCounts;
}

export class SinkServer {
  readonly provider: Provider;
  private readonly followups: Followups;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly chance: Chance;
  private readonly stats: Omit<SinkStats, 'followups'> = { connections: 0, messages: 0, replies: {} };
  port = 0;

  constructor(private readonly options: SinkOptions) {
    const { config } = options;
    this.chance = new Chance(config.seed);
    this.provider = new Provider(config, this.chance, options.now);
    const onError = options.onError ?? (() => {});
    this.followups = new Followups(config, this.chance, onError);
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<this> {
    const { host = '127.0.0.1', port = 0 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  private accept(socket: Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const { config } = this.options;
    new SinkSession(socket, {
      provider: this.provider,
      hostName: config['host-name'],
      delayFor: (rule, key) => {
        if (!rule) return 0;
        return this.chance.between(...delayRange(rule['delay-ms']), 'delay', key);
      },
      onVerdict: (_rcpt, verdict) => this.count(verdict),
      onAccepted: (message) => {
        this.stats.messages++;
        this.followups.plan(message, (rcpt) => this.provider.ruleFor(rcpt.slice(rcpt.lastIndexOf('@') + 1)));
        this.options.onAccepted?.(message);
      },
    });
  }

  private count(verdict: Verdict): void {
    const name = verdict.rule?.domains[0] ?? '(no rule)';
    const row = this.stats.replies[name] ?? {};
    this.stats.replies[name] = row;
    row[verdict.kind] = (row[verdict.kind] ?? 0) + 1;
  }

  snapshot(): SinkStats {
    return {
      ...structuredClone(this.stats),
      followups: { ...this.followups.counts },
    };
  }

  /** Follow-ups (reports, reads) scheduled or running. */
  get pendingFollowups(): number {
    return this.followups.pending;
  }

  /** Stops listening, closes connections, drops follow-ups not yet started and waits for the rest. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await this.followups.stop();
    await closed;
  }
}
