// Mail for the scale-out deployment: injected over SMTP with nodemailer (a pooled client, as an
// application would send), each message naming its campaign in X-Job; and a loopback receiver
// whose answer depends on the recipient's local part, like a mailbox provider's:
//   unknown…  550 5.1.1 (a hard bounce)       defer…  451 4.7.1 on the first try, then accepted
//   anything else accepted.
import { createTransport } from 'nodemailer';
import { ScriptedSmtpServer } from '../helpers/smtp-receiver.js';

export interface Mail {
  to: string;
  job: string;
}

/** Sends every message through `connections` parallel SMTP sessions; resolves when all got 250. */
export async function inject(port: number, mails: readonly Mail[], connections = 4): Promise<void> {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: connections,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  try {
    let next = 0;
    const worker = async () => {
      while (next < mails.length) {
        const mail = mails[next++]!;
        await transport.sendMail({
          from: 'News <news@sender.scale.test>',
          to: mail.to,
          subject: `Offer for ${mail.to}`,
          text: 'Hello from the scale-out test.\n',
          headers: { 'X-Job': mail.job },
        });
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    transport.close();
  }
}

/** A receiver that bounces unknown…@ and defers defer…@ once (see the header). */
export async function startProviderSink(): Promise<ScriptedSmtpServer> {
  const deferred = new Set<string>();
  const sink = new ScriptedSmtpServer({
    rcpt: (to) => {
      const local = to.slice(0, to.indexOf('@'));
      if (local.startsWith('unknown')) return '550 5.1.1 <' + to + '>: user unknown';
      if (local.startsWith('defer') && !deferred.has(to)) {
        deferred.add(to);
        return '451 4.7.1 try again later';
      }
      return '250 2.1.5 ok';
    },
  });
  return sink.start();
}

/** The outcome each recipient gets from startProviderSink. */
export function outcomeOf(to: string): 'delivery' | 'bounce' | 'deferred-delivery' {
  if (to.startsWith('unknown')) return 'bounce';
  if (to.startsWith('defer')) return 'deferred-delivery';
  return 'delivery';
}

/**
 * `n` messages for one node: recipients spread over providers, every tenth deferred once, every
 * tenth (offset) unknown; campaigns `shared` and `only-NODE` alternate. `tag` keeps addresses unique.
 */
export function mailsFor(node: string, n: number, tag: string): Mail[] {
  const domains = ['gmail.com', 'yahoo.com', 'hotmail.com', 'aol.com'];
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 10 === 3 ? 'defer' : i % 10 === 7 ? 'unknown' : 'user';
    return {
      to: `${kind}.${node}.${tag}.${i}@${domains[i % domains.length]}`,
      job: i % 2 === 0 ? 'shared' : `only-${node}`,
    };
  });
}

/** What the Signals server must hold for these mails, by type. */
export function expectedCounts(mails: readonly Mail[]): Record<string, number> {
  const counts = { injection: mails.length, delivery: 0, bounce: 0, delay: 0 };
  for (const mail of mails) {
    const outcome = outcomeOf(mail.to);
    if (outcome === 'bounce') counts.bounce += 1;
    else counts.delivery += 1;
    if (outcome === 'deferred-delivery') counts.delay += 1;
  }
  return counts;
}
