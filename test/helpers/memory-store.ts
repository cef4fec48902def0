// An in-memory MessageStore for delivery tests that do not need the real spool: it keeps envelopes
// and bodies, and records every final outcome the delivery engine reports.
import { newMessageId } from '../../src/events/index.js';
import type { DeliveryEnvelope, MessageStore } from '../../src/queue/message.js';

let counter = 0;

export function makeEnvelope(
  recipients: string[],
  extra: Partial<DeliveryEnvelope> = {},
  receivedAt = Date.now(),
): DeliveryEnvelope {
  return {
    id: `test${String(++counter).padStart(8, '0')}`,
    messageId: newMessageId(receivedAt),
    receivedAt,
    mailFrom: 'bounces@sender.test',
    recipients: recipients.map((address) => ({ address, state: 'pending' })),
    size: 0,
    srcType: 'smtp',
    srcMta: 'injector.test (127.0.0.1)',
    clientIp: '127.0.0.1',
    localIp: '127.0.0.1',
    headerFrom: 'news@sender.test',
    subject: 'Test message',
    ...extra,
  };
}

export function makeBody(subject = 'Test message', from = 'News <news@sender.test>'): Buffer {
  return Buffer.from(
    `From: ${from}\r\nTo: someone@example.test\r\nSubject: ${subject}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n` +
      `Message-ID: <${++counter}@sender.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello.\r\n`,
  );
}

export class MemoryStore implements MessageStore {
  readonly messages = new Map<string, { envelope: DeliveryEnvelope; body: Buffer }>();
  readonly marks: Array<{ id: string; indexes: number[]; state: string }> = [];

  add(envelope: DeliveryEnvelope, body = makeBody()): DeliveryEnvelope {
    envelope.size = body.length;
    this.messages.set(envelope.id, { envelope, body });
    return envelope;
  }

  async read(id: string) {
    const found = this.messages.get(id);
    if (!found) throw new Error(`unknown message ${id}`);
    return found;
  }

  async markRecipients(
    id: string,
    indexes: number[],
    state: 'delivered' | 'bounced' | 'expired' | 'deleted',
  ) {
    const found = this.messages.get(id);
    if (!found) throw new Error(`unknown message ${id}`);
    for (const i of indexes) {
      const r = found.envelope.recipients[i]!;
      if (r.state !== 'pending')
        throw new Error(`recipient ${i} of ${id} marked twice (${r.state}, then ${state})`);
      r.state = state;
    }
    this.marks.push({ id, indexes, state });
  }

  /** Recipient states of every message: `address:state`. */
  states(): string[] {
    return [...this.messages.values()].flatMap((m) =>
      m.envelope.recipients.map((r) => `${r.address}:${r.state}`),
    );
  }
}

/** A clock tests move by hand; timers fire only through `advance`. */
export class ManualClock {
  private t: number;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(start = Date.now()) {
    this.t = start;
  }

  now = () => this.t;

  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.nextId;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };

  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };

  /** Moves time forward and fires every timer that came due, in order. */
  advance(ms: number): void {
    this.t += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.t).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
}
