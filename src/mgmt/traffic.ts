// PowerMTA's traffic counters (`show status`: total, last hour, last minute, top per hour, top per
// minute, each in and out as recipients, messages and kilobytes) and the per-minute counts the
// delivery summary line reports. Fed from the event bus; minutes are kept in a ring of 60.
import type { OutpostEvent } from '../events/index.js';

export interface Volume {
  rcp: number;
  msg: number;
  kb: number;
}

export interface Flow {
  in: Volume;
  out: Volume;
}

interface Minute extends Flow {
  minute: number;
  bounced: number;
  deferred: number;
}

const volume = (): Volume => ({ rcp: 0, msg: 0, kb: 0 });
const flow = (): Flow => ({ in: volume(), out: volume() });
const add = (a: Volume, b: Volume) => {
  a.rcp += b.rcp;
  a.msg += b.msg;
  a.kb += b.kb;
};
const bigger = (a: Volume, b: Volume): Volume => ({
  rcp: Math.max(a.rcp, b.rcp),
  msg: Math.max(a.msg, b.msg),
  kb: Math.max(a.kb, b.kb),
});
const rounded = (v: Volume): Volume => ({ ...v, kb: Math.round(v.kb) });

export class TrafficMeter {
  private readonly ring: Minute[] = [];
  private readonly total = flow();
  private topPerMin = flow();
  private topPerHr = flow();
  /** Events of one message arrive together, one per recipient: a new id starts a new message. */
  private lastId = { in: '', out: '' };

  constructor(private readonly now: () => number = Date.now) {}

  record(event: OutpostEvent): void {
    const direction = event.type === 'reception' ? 'in' : event.type === 'delivery' ? 'out' : undefined;
    const minute = this.current();
    if (event.type === 'bounce') minute.bounced++;
    if (event.type === 'transient') minute.deferred++;
    if (!direction) return;
    const newMessage = event.messageId !== this.lastId[direction];
    this.lastId[direction] = event.messageId;
    const v: Volume = { rcp: 1, msg: newMessage ? 1 : 0, kb: newMessage ? (event.size ?? 0) / 1024 : 0 };
    add(minute[direction], v);
    add(this.total[direction], v);
  }

  private current(): Minute {
    const index = Math.floor(this.now() / 60_000);
    const last = this.ring[this.ring.length - 1];
    if (last?.minute === index) return last;
    if (last) this.closeMinute(last);
    const minute: Minute = { minute: index, ...flow(), bounced: 0, deferred: 0 };
    this.ring.push(minute);
    while (this.ring.length > 0 && this.ring[0]!.minute <= index - 60) this.ring.shift();
    return minute;
  }

  /** A finished minute may be the busiest minute, and ends an hour that may be the busiest hour. */
  private closeMinute(minute: Minute): void {
    this.topPerMin = {
      in: bigger(this.topPerMin.in, minute.in),
      out: bigger(this.topPerMin.out, minute.out),
    };
    const hour = this.sum(60, minute.minute);
    this.topPerHr = { in: bigger(this.topPerHr.in, hour.in), out: bigger(this.topPerHr.out, hour.out) };
  }

  /** The last `minutes` minutes up to and including minute `until`. */
  private sum(minutes: number, until: number): Flow {
    const out = flow();
    for (const m of this.ring) {
      if (m.minute <= until - minutes || m.minute > until) continue;
      add(out.in, m.in);
      add(out.out, m.out);
    }
    return out;
  }

  /** The status document's `traffic` object. */
  snapshot(): Record<'total' | 'lastHr' | 'lastMin' | 'topPerHr' | 'topPerMin', Flow> {
    const now = Math.floor(this.now() / 60_000);
    this.current();
    const lastHr = this.sum(60, now);
    const lastMin = this.sum(1, now - 1);
    const r = (f: Flow): Flow => ({ in: rounded(f.in), out: rounded(f.out) });
    return {
      total: r(this.total),
      lastHr: r(lastHr),
      lastMin: r(lastMin),
      topPerHr: r({ in: bigger(this.topPerHr.in, lastHr.in), out: bigger(this.topPerHr.out, lastHr.out) }),
      topPerMin: r(this.topPerMin),
    };
  }

  /** Counts of the minute before the current one (the delivery summary line). */
  lastMinute(): { received: number; delivered: number; bounced: number; deferred: number } {
    const previous = Math.floor(this.now() / 60_000) - 1;
    const m = this.ring.find((x) => x.minute === previous);
    return {
      received: m?.in.rcp ?? 0,
      delivered: m?.out.rcp ?? 0,
      bounced: m?.bounced ?? 0,
      deferred: m?.deferred ?? 0,
    };
  }
}
