// nodemailer's smtp-connection sends a message through its DataStream, a Transform stream that
// looks at every byte in JS: about 45 µs per 10 kB message and, with the stream's own overhead, the
// largest single cost of delivery in bench/relay. Outpost always hands it a whole Buffer, so this
// replaces that one step on a connection: after the 354, the bytes smtpData computes go to the socket
// in one corked write (a writev of the message's slices). Everything else (envelope, pipelining,
// replies, errors, timeouts) stays nodemailer's. It depends on two internal methods of the pinned
// nodemailer version; install() checks they exist so an upgrade that changes them fails loudly
// (and test/delivery/smtp-client.test.ts sends through it).
import type { Socket } from 'node:net';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { smtpData } from './smtp-data.js';

type SendCallback = (err: Error | null, response?: string) => void;

/** What send() does with the object _createSendStream returns, for a Buffer message. */
interface SendSink {
  outByteCount: number;
  write(chunk: Buffer | string): void;
  end(): void;
}

interface ConnectionInternals {
  _socket: Socket | false | null;
  _responseActions: Array<(response: string) => void>;
  _actionSMTPStream(response: string, callback: SendCallback): void;
  _createSendStream(callback: SendCallback): SendSink;
  options: { lmtp?: boolean };
}

export function installWholeMessageData(connection: SMTPConnection): void {
  const c = connection as unknown as ConnectionInternals;
  if (
    typeof c._createSendStream !== 'function' ||
    typeof c._actionSMTPStream !== 'function' ||
    !Array.isArray(c._responseActions)
  )
    throw new Error('nodemailer smtp-connection internals changed: see src/delivery/data-phase.ts');
  if (c.options.lmtp) return; // LMTP answers once per recipient: leave it to nodemailer
  c._createSendStream = (callback) => {
    c._responseActions.push((response) => c._actionSMTPStream(response, callback));
    const parts: Buffer[] = [];
    return {
      outByteCount: 0,
      write(chunk) {
        parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      },
      end() {
        const socket = c._socket;
        const data = smtpData(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
        this.outByteCount = data.length;
        // A socket already gone: nodemailer's close handling fails the pending send.
        if (!socket || socket.destroyed) return;
        socket.cork();
        for (const chunk of data.chunks) socket.write(chunk);
        socket.uncork();
      },
    };
  };
}
