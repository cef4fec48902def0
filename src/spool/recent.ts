// The messages stored lately, kept in memory up to a byte budget, so that their first delivery
// attempt — usually within milliseconds of the 250 — does not read back from disk what was just
// written there. Oldest first out; a finished message leaves at once. Only a copy of what is on
// disk: losing it (a restart, the budget) only means the next read goes to the file.
import type { SpoolEnvelope } from './envelope.js';

export class RecentMessages {
  private readonly messages = new Map<string, { envelope: SpoolEnvelope; body: Buffer }>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  add(envelope: SpoolEnvelope, body: Buffer): void {
    if (body.length > this.budget) return;
    this.messages.set(envelope.id, { envelope, body });
    this.bytes += body.length;
    for (const [id, oldest] of this.messages) {
      if (this.bytes <= this.budget) break;
      this.messages.delete(id);
      this.bytes -= oldest.body.length;
    }
  }

  get(id: string): { envelope: SpoolEnvelope; body: Buffer } | undefined {
    return this.messages.get(id);
  }

  forget(id: string): void {
    const message = this.messages.get(id);
    if (!message) return;
    this.messages.delete(id);
    this.bytes -= message.body.length;
  }
}
