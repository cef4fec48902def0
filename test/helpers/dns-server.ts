// A small authoritative DNS server for tests: answers A, AAAA, MX and TXT queries from a zone map over
// UDP on 127.0.0.1. Names absent from the zone get NXDOMAIN; a name mapped to 'SERVFAIL' gets
// SERVFAIL, so tests can drive temporary failures. `queries` records what was asked.
import { createSocket, type Socket } from 'node:dgram';

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  MX?: Array<{ priority: number; exchange: string }>;
  TXT?: string[];
}

export type Zone = Record<string, ZoneEntry | 'SERVFAIL'>;

const TYPES: Record<number, keyof ZoneEntry> = { 1: 'A', 28: 'AAAA', 15: 'MX', 16: 'TXT' };

function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (buf[i]! !== 0) {
    const len = buf[i]!;
    labels.push(buf.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += len + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function rdata(type: keyof ZoneEntry, value: unknown): Buffer {
  switch (type) {
    case 'A':
      return Buffer.from((value as string).split('.').map(Number));
    case 'AAAA': {
      const [head = '', tail = ''] = (value as string).split('::');
      const h = head ? head.split(':') : [];
      const t = tail ? tail.split(':') : [];
      const groups = (value as string).includes('::')
        ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
        : h;
      const out = Buffer.alloc(16);
      groups.forEach((g, i) => {
        out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
      });
      return out;
    }
    case 'MX': {
      const mx = value as { priority: number; exchange: string };
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(mx.priority);
      return Buffer.concat([pref, encodeName(mx.exchange)]);
    }
    case 'TXT': {
      const text = Buffer.from(value as string);
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length || i === 0; i += 255) {
        const part = text.subarray(i, i + 255);
        chunks.push(Buffer.from([part.length]), part);
        if (text.length === 0) break;
      }
      return Buffer.concat(chunks);
    }
  }
}

export class TestDnsServer {
  readonly queries: Array<{ name: string; type: string }> = [];
  private socket: Socket | undefined;
  port = 0;

  constructor(public zone: Zone) {}

  async start(): Promise<this> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      const reply = this.answer(msg);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.port = socket.address().port;
    return this;
  }

  /** `127.0.0.1:PORT`, the form Node's Resolver#setServers and `<outpost> dns-server` take. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    const { name, end } = readName(query, 12);
    const qtype = query.readUInt16BE(end);
    const type = TYPES[qtype];
    this.queries.push({ name, type: type ?? String(qtype) });
    const entry = this.zone[name];
    let rcode = 0;
    let answers: Buffer[] = [];
    if (entry === 'SERVFAIL') rcode = 2;
    else if (entry === undefined) rcode = 3;
    else if (type && entry[type]) {
      answers = (entry[type] as unknown[]).map((value) => {
        const data = rdata(type, value);
        const fixed = Buffer.alloc(10);
        fixed.writeUInt16BE(qtype, 0);
        fixed.writeUInt16BE(1, 2);
        fixed.writeUInt32BE(60, 4);
        fixed.writeUInt16BE(data.length, 8);
        return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, data]);
      });
    }
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    return Buffer.concat([header, query.subarray(12, end + 4), ...answers]);
  }
}
