// One SMTP connection to the sink. The wire layer is the listener's own reader (src/smtp/reader.ts:
// command lines, DATA up to CRLF.CRLF, pipelined commands answered in order); what is answered is
// the provider's decision (provider.ts). It speaks enough ESMTP for an MTA: EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT, with PIPELINING, 8BITMIME, SMTPUTF8 and ENHANCEDSTATUSCODES. No STARTTLS and
// no AUTH: the sink stays on loopback.
import type { Socket } from 'node:net';
import { cleanData } from '../smtp/data.js';
import { SmtpReader } from '../smtp/reader.js';
import type { Provider, Verdict } from './provider.js';
import type { SinkRule } from './rules.js';

const MAX_LINE = 4096;
const MAX_MESSAGE = 50 * 1024 * 1024;

export interface AcceptedMessage {
  clientIp: string;
  helo: string;
  from: string;
  /** Recipients that got 250 at RCPT, in order. */
  rcpts: string[];
  /** The message as received (dot-unstuffed, CRLF line ends). */
  data: Buffer;
}

export interface SessionHooks {
  provider: Provider;
  hostName: string;
  /** Milliseconds to wait before a reply for this rule (slow providers). */
  delayFor: (rule: SinkRule | undefined, what: string) => number;
  onVerdict: (rcpt: string, verdict: Verdict) => void;
  onAccepted: (message: AcceptedMessage) => void;
}

export class SinkSession {
  private readonly reader: SmtpReader;
  private readonly clientIp: string;
  private helo = '';
  private from: string | undefined;
  private rcpts: string[] = [];
  private rule: SinkRule | undefined;
  /** Connection-limit slots this connection holds, per rule. */
  private readonly slots = new Map<SinkRule, () => void>();
  private replies = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly hooks: SessionHooks,
  ) {
    this.clientIp = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.reader = new SmtpReader(
      {
        line: (line) => this.onLine(line.toString('latin1')),
        lineTooLong: () => this.send('500 5.5.2 line too long'),
        dataEnd: (raw, overflow) => this.onDataEnd(raw, overflow),
      },
      MAX_LINE,
    );
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.release());
    socket.setTimeout(120_000, () => socket.destroy());
    void this.send(`220 ${hooks.hostName} ESMTP sink ready`);
  }

  private release(): void {
    this.closed = true;
    for (const release of this.slots.values()) release();
    this.slots.clear();
  }

  private async send(line: string, close = false): Promise<void> {
    this.replies++;
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(`${line}\r\n`);
    if (close) {
      this.closed = true;
      this.socket.end();
    }
  }

  private async slow(what: string): Promise<void> {
    const ms = this.hooks.delayFor(this.rule, `${this.clientIp}|${what}|${this.replies}`);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  private onLine(line: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    const verb = line.split(' ', 1)[0]!.toUpperCase();
    const arg = line.slice(verb.length).trim();
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        return this.onHelo(verb, arg);
      case 'MAIL':
        return this.onMail(arg);
      case 'RCPT':
        return this.onRcpt(arg);
      case 'DATA':
        return this.onData();
      case 'RSET':
        this.reset();
        return this.send('250 2.0.0 ok');
      case 'NOOP':
        return this.send('250 2.0.0 ok');
      case 'VRFY':
        return this.send('252 2.5.2 cannot verify, but will try delivery');
      case 'QUIT':
        return this.send(`221 2.0.0 ${this.hooks.hostName} closing connection`, true);
      default:
        return this.send('502 5.5.1 command not implemented');
    }
  }

  private onHelo(verb: string, arg: string): Promise<void> {
    if (!arg) return this.send('501 5.5.4 HELO/EHLO needs a host name');
    this.helo = arg;
    this.reset();
    if (verb === 'HELO') return this.send(`250 ${this.hooks.hostName}`);
    const lines = [
      this.hooks.hostName,
      'PIPELINING',
      'SIZE 52428800',
      '8BITMIME',
      'ENHANCEDSTATUSCODES',
      'SMTPUTF8',
    ];
    return this.send(lines.map((text, i) => `250${i === lines.length - 1 ? ' ' : '-'}${text}`).join('\r\n'));
  }

  private onMail(arg: string): Promise<void> {
    if (!this.helo) return this.send('503 5.5.1 send HELO/EHLO first');
    if (this.from !== undefined) return this.send('503 5.5.1 nested MAIL command');
    const address = pathOf(arg, 'FROM');
    if (address === undefined) return this.send('501 5.5.4 syntax: MAIL FROM:<address>');
    this.from = address;
    return this.send('250 2.1.0 ok');
  }

  private async onRcpt(arg: string): Promise<void> {
    if (this.from === undefined) return this.send('503 5.5.1 need MAIL before RCPT');
    const rcpt = pathOf(arg, 'TO');
    if (!rcpt?.includes('@')) return this.send('501 5.5.4 syntax: RCPT TO:<address>');
    const provider = this.hooks.provider;
    const rule = provider.ruleFor(rcpt.slice(rcpt.lastIndexOf('@') + 1));
    this.rule = rule;
    if (rule && !this.slots.has(rule)) {
      const slot = provider.openConnection(this.clientIp, rule);
      if (slot.refused) return this.answer(rcpt, slot.refused);
      this.slots.set(rule, slot.release);
    }
    await this.slow('rcpt');
    const verdict = provider.rcpt({ clientIp: this.clientIp, from: this.from, rcpt });
    if (verdict.kind === 'accept') this.rcpts.push(rcpt);
    return this.answer(rcpt, verdict);
  }

  private answer(rcpt: string, verdict: Verdict): Promise<void> {
    this.hooks.onVerdict(rcpt, verdict);
    return this.send(verdict.reply, verdict.close);
  }

  private onData(): Promise<void> {
    if (this.from === undefined) return this.send('503 5.5.1 need MAIL before DATA');
    if (this.rcpts.length === 0) return this.send('554 5.5.1 no valid recipients');
    this.reader.startData(MAX_MESSAGE);
    return this.send('354 end data with <CR><LF>.<CR><LF>');
  }

  private async onDataEnd(raw: Buffer, overflow: boolean): Promise<void> {
    if (overflow) {
      this.reset();
      return this.send('552 5.3.4 message too big');
    }
    const message: AcceptedMessage = {
      clientIp: this.clientIp,
      helo: this.helo,
      from: this.from ?? '',
      rcpts: this.rcpts,
      data: cleanData(raw).body,
    };
    this.reset();
    await this.slow('data');
    await this.send(`250 2.0.0 ok: queued as ${Date.now().toString(36)}${this.replies}`);
    this.hooks.onAccepted(message);
  }

  private reset(): void {
    this.from = undefined;
    this.rcpts = [];
  }
}

/** The address in `FROM:<a@b> SIZE=…` (empty for the null path), or undefined when malformed. */
function pathOf(arg: string, keyword: 'FROM' | 'TO'): string | undefined {
  const match = new RegExp(`^${keyword}:\\s*<([^<>\\s]*)>`, 'i').exec(arg);
  return match ? match[1]! : undefined;
}
