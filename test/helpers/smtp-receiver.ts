// A scripted SMTP receiver for tests that need replies a real server will not give on demand:
// 4xx/5xx per recipient, slow replies, dropped connections. It speaks plain ESMTP with PIPELINING
// (it answers each line in order), records every message it accepts and who connected.
import { createServer, type Server, type Socket } from 'node:net';

export interface ReceivedMessage {
  from: string;
  to: string[];
  data: Buffer;
  helo: string;
  remoteAddress: string;
}

export interface Script {
  greeting?: string;
  extensions?: string[];
  /** Reply to MAIL FROM (default `250 2.1.0 ok`). */
  mail?: (from: string) => string;
  /** Reply to RCPT TO (default `250 2.1.5 ok`). */
  rcpt?: (to: string) => string;
  /** Reply after the final dot (default `250 2.0.0 queued`). */
  data?: (message: ReceivedMessage) => string;
  /** Milliseconds to wait before every reply. */
  delay?: number;
  /** Drop the connection instead of replying to this command (e.g. 'DATA-END'). */
  dropAt?: 'MAIL' | 'RCPT' | 'DATA' | 'DATA-END';
}

export class ScriptedSmtpServer {
  readonly messages: ReceivedMessage[] = [];
  readonly connections: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(public script: Script = {}) {}

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((socket) => this.session(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private session(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    this.connections.push(socket.remoteAddress ?? '');
    const s = () => this.script;
    let helo = '';
    let current: ReceivedMessage | undefined;
    let inData = false;
    let dataChunks: Buffer[] = [];
    let buffer = Buffer.alloc(0);
    let queue = Promise.resolve();
    const reply = (text: string) => {
      queue = queue.then(async () => {
        if (s().delay) await new Promise((r) => setTimeout(r, s().delay));
        if (!socket.destroyed) socket.write(`${text}\r\n`);
      });
    };
    const drop = (at: Script['dropAt']) => {
      if (s().dropAt !== at) return false;
      socket.destroy();
      return true;
    };
    reply(s().greeting ?? '220 receiver.test ESMTP');
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let index = buffer.indexOf('\n');
      while (index >= 0) {
        const line = buffer.subarray(0, index + 1);
        buffer = buffer.subarray(index + 1);
        index = buffer.indexOf('\n');
        if (inData) {
          if (line.toString() === '.\r\n' || line.toString() === '.\n') {
            inData = false;
            if (drop('DATA-END')) return;
            current!.data = Buffer.concat(dataChunks);
            const answer = s().data?.(current!) ?? '250 2.0.0 queued';
            if (answer.startsWith('2')) this.messages.push(current!);
            reply(answer);
            current = undefined;
          } else dataChunks.push(line[0] === 0x2e ? line.subarray(1) : line);
          continue;
        }
        const text = line.toString().trim();
        const verb = text.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          helo = text.slice(5);
          const ext = s().extensions ?? ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'SIZE 52428800'];
          reply(
            ['250-receiver.test', ...ext]
              .map((l, i, all) =>
                i === all.length - 1
                  ? `250 ${l.replace(/^250-/, '')}`
                  : l.startsWith('250-')
                    ? l
                    : `250-${l}`,
              )
              .join('\r\n'),
          );
        } else if (verb === 'MAIL') {
          if (drop('MAIL')) return;
          // As Postfix: a transaction still open (even one whose recipients were all refused)
          // must be ended with RSET before the next MAIL.
          if (current) {
            reply('503 5.5.1 nested MAIL command');
            continue;
          }
          const from = text.match(/<([^>]*)>/)?.[1] ?? '';
          const answer = s().mail?.(from) ?? '250 2.1.0 ok';
          if (answer.startsWith('2'))
            current = {
              from,
              to: [],
              data: Buffer.alloc(0),
              helo,
              remoteAddress: socket.remoteAddress ?? '',
            };
          reply(answer);
        } else if (verb === 'RCPT') {
          if (drop('RCPT')) return;
          const to = text.match(/<([^>]*)>/)?.[1] ?? '';
          const answer = current ? (s().rcpt?.(to) ?? '250 2.1.5 ok') : '503 5.5.1 need MAIL';
          if (answer.startsWith('2')) current!.to.push(to);
          reply(answer);
        } else if (verb === 'DATA') {
          if (drop('DATA')) return;
          if (current && current.to.length > 0) {
            inData = true;
            dataChunks = [];
            reply('354 go ahead');
          } else reply('554 5.5.1 no valid recipients');
        } else if (verb === 'RSET') {
          current = undefined;
          reply('250 2.0.0 ok');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          queue = queue.then(() => void socket.end());
        } else if (verb === 'NOOP') reply('250 2.0.0 ok');
        else reply('502 5.5.2 not implemented');
      }
    });
  }
}
