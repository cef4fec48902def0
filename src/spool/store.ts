// The in-memory index and the commit loop of the spool. All writes go through one loop: whatever
// arrived while the previous batch was being written is written together and made durable with one
// fdatasync per file it touched (group commit), so a hundred sessions waiting for their 250 share
// one disk flush.
import { channel } from 'node:diagnostics_channel';
import { crc32 } from 'node:zlib';
import type { Logger } from '../logging.js';
import { type FinalRecipientState, isFinal, type SpoolEnvelope } from './envelope.js';
import { SpoolCorruptError, SpoolUnavailableError, UnknownMessageError } from './errors.js';
import { encodeDone, encodeMessageHeader, MESSAGE_HEADER_SIZE, stateCode, stateOf } from './record.js';
import type { Segment } from './segment.js';

/** Commit latency for metrics (src/mgmt/metrics/channels.ts); published only when someone listens. */
const commitChannel = channel('outpost:spool:commit');

/** Where a live message's record is, and its recipients' states. */
export class Entry {
  constructor(
    /** Segment whose `.done` file takes this message's outcomes. */
    public home: Segment,
    /** Segment that holds the bytes readBody reads (differs from `home` while a copy is in flight). */
    public segment: Segment,
    public recordLength: number,
    public bodyOffset: number,
    public bodyLength: number,
    public bodyCrc: number,
    states: number[],
    public pending: number,
    /** A copy into the head segment is queued or being written. */
    public moving = false,
  ) {
    // One-recipient messages (nearly all) keep their state as a number: no array per message.
    this.codes = states.length === 1 ? states[0]! : states;
  }

  /** State code per recipient (stateOf reads it). */
  private codes: number | number[];

  get count(): number {
    return typeof this.codes === 'number' ? 1 : this.codes.length;
  }

  stateAt(index: number): number {
    return typeof this.codes === 'number' ? this.codes : this.codes[index]!;
  }

  setStateAt(index: number, code: number): void {
    if (typeof this.codes === 'number') this.codes = code;
    else this.codes[index] = code;
  }
}

type Deferred<T> = { resolve: (value: T) => void; reject: (error: unknown) => void };

/** A write waiting for the commit loop: a new message, a copy of a live one, or outcomes. */
type Write =
  | { kind: 'message'; envelope: SpoolEnvelope; body: Buffer; moving?: Entry }
  | { kind: 'done'; id: string; indexes?: readonly number[]; state: FinalRecipientState };
type WriteItem = Write & { wait: Deferred<void> };

type Staged = { item: WriteItem; segment: Segment; offset: number; length: number; bodyCrc: number };

export interface MessageStoreOptions {
  log: Logger;
  /** Start a new segment once the head holds this many bytes. */
  segmentSize: number;
  /** Creates the next head segment. */
  newSegment: () => Promise<Segment>;
  /** Deletes (or sets aside, when damaged) a segment none of whose messages is live. */
  dropSegment: (segment: Segment) => Promise<void>;
}

export class MessageStore {
  readonly index = new Map<string, Entry>();
  readonly segments: Segment[] = [];
  private queue: WriteItem[] = [];
  private flushing: Promise<void> | undefined;
  /** Flushes done so far (each is one fdatasync per file it touched): group commit keeps it low. */
  commits = 0;
  /** Why writes are refused, when they are. */
  unavailable: SpoolUnavailableError | undefined;

  constructor(
    public head: Segment,
    private readonly options: MessageStoreOptions,
  ) {}

  write(item: Write): Promise<void> {
    if (this.unavailable) return Promise.reject(this.unavailable);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...item, wait: { resolve, reject } });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Segment deletions in flight. */
  private readonly dropping = new Set<Promise<void>>();

  /** Resolves once everything queued so far is written (or failed) and finished segments are gone. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    await Promise.all(this.dropping);
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let staged: Array<Staged | undefined>;
        try {
          if (this.head.msgs.size >= this.options.segmentSize) await this.rotate();
          const dirty = new Set<Segment['msgs']>();
          staged = batch.map((item) => this.stage(item, dirty));
          const started = performance.now();
          await Promise.all([...dirty].map((file) => file.flush(true)));
          this.commits++;
          if (commitChannel.hasSubscribers)
            commitChannel.publish({ seconds: (performance.now() - started) / 1000, writes: batch.length });
        } catch (error) {
          this.fail(error, batch);
          continue;
        }
        for (const s of staged) if (s) this.finish(s);
      }
    } finally {
      // Cleared in the same job that resolves the last batch (no await in between), so a write
      // queued by a continuation of that batch starts a new loop instead of joining an ending one.
      this.flushing = undefined;
    }
  }

  private async rotate(): Promise<void> {
    const next = await this.options.newSegment();
    this.segments.push(next);
    const previous = this.head;
    this.head = next;
    void this.release(previous);
  }

  /** Queues the item's bytes on its file. Synchronous, so the batch sees one consistent index. */
  private stage(item: WriteItem, dirty: Set<Segment['msgs']>): Staged | undefined {
    if (item.kind === 'done') {
      const entry = this.index.get(item.id);
      if (!entry) {
        item.wait.reject(new UnknownMessageError(item.id));
        return undefined;
      }
      const buf = encodeDone({ id: item.id, ...(item.indexes ? { r: item.indexes } : {}), s: item.state });
      const offset = entry.home.done.append([buf], buf.length);
      dirty.add(entry.home.done);
      return { item, segment: entry.home, offset, length: buf.length, bodyCrc: 0 };
    }
    let envelope = item.envelope;
    const segment = this.head;
    if (item.moving) {
      // A copy carries the outcomes known now; later ones go to the new home's .done file.
      const moving = item.moving;
      envelope = {
        ...envelope,
        recipients: envelope.recipients.map((r, i) => ({ ...r, state: stateOf(moving.stateAt(i)) })),
      };
      item.moving.home = segment;
    }
    const json = Buffer.from(JSON.stringify(envelope));
    const header = encodeMessageHeader(json, item.body);
    const length = header.length + json.length + item.body.length;
    const offset = segment.msgs.append([header, json, item.body], length);
    dirty.add(segment.msgs);
    return { item, segment, offset, length, bodyCrc: header.readUInt32LE(12) };
  }

  private finish({ item, segment, offset, length, bodyCrc }: Staged): void {
    if (item.kind === 'done') {
      const entry = this.index.get(item.id);
      if (entry && entry.pending === 0) this.forget(item.id, entry);
      item.wait.resolve();
      return;
    }
    const bodyOffset = offset + length - item.body.length;
    const entry = item.moving;
    if (!entry) {
      const states = new Array<number>(item.envelope.recipients.length).fill(0);
      this.index.set(
        item.envelope.id,
        new Entry(segment, segment, length, bodyOffset, item.body.length, bodyCrc, states, states.length),
      );
    } else if (this.index.get(item.envelope.id) === entry) {
      const from = entry.segment;
      from.live--;
      from.liveBytes -= entry.recordLength;
      Object.assign(entry, { segment, recordLength: length, bodyOffset, bodyCrc, moving: false });
      void this.release(from);
    } else {
      // Every recipient finished while the copy was being written: the copy is dead on arrival
      // (its outcomes are in the snapshot or in this segment's .done file).
      item.wait.resolve();
      return;
    }
    segment.live++;
    segment.liveBytes += length;
    item.wait.resolve();
  }

  /** Updates the in-memory states now; the returned write makes them durable. */
  mark(id: string, indexes: readonly number[] | undefined, state: FinalRecipientState): Promise<void> {
    const entry = this.index.get(id);
    if (!entry) return Promise.reject(new UnknownMessageError(id));
    const all = indexes ?? Array.from({ length: entry.count }, (_, i) => i);
    const bad = all.find((i) => !Number.isInteger(i) || i < 0 || i >= entry.count);
    if (bad !== undefined) return Promise.reject(new RangeError(`message ${id} has no recipient ${bad}`));
    const code = stateCode(state);
    for (const i of all) {
      if (!isFinal(stateOf(entry.stateAt(i)))) {
        entry.setStateAt(i, code);
        entry.pending--;
      }
    }
    return this.write({ kind: 'done', id, ...(indexes ? { indexes } : {}), state });
  }

  private forget(id: string, entry: Entry): void {
    this.index.delete(id);
    entry.segment.live--;
    entry.segment.liveBytes -= entry.recordLength;
    void this.release(entry.segment);
  }

  async readBody(id: string): Promise<Buffer> {
    const entry = this.index.get(id);
    if (!entry) throw new UnknownMessageError(id);
    const { segment, bodyOffset, bodyLength, bodyCrc } = entry;
    segment.readers++;
    let body: Buffer;
    try {
      body = await segment.msgs.read(bodyOffset, bodyLength);
    } finally {
      segment.readers--;
      void this.release(segment);
    }
    if (crc32(body) !== bodyCrc) throw new SpoolCorruptError(id, 'body checksum mismatch');
    return body;
  }

  /** Drops a segment that is neither the head nor holding live messages nor being read. */
  release(segment: Segment): Promise<void> {
    if (segment === this.head || segment.live > 0 || segment.readers > 0) return Promise.resolve();
    const at = this.segments.indexOf(segment);
    if (at < 0) return Promise.resolve();
    this.segments.splice(at, 1);
    const dropping = this.options.dropSegment(segment).catch((error: unknown) => {
      this.options.log.error(
        { err: error, segment: segment.name },
        'spool: could not delete a finished segment',
      );
    });
    this.dropping.add(dropping);
    void dropping.finally(() => this.dropping.delete(dropping));
    return dropping;
  }

  private fail(error: unknown, batch: WriteItem[]): void {
    this.unavailable = new SpoolUnavailableError(
      'unhealthy',
      'spool write failed; refusing new messages until restart',
      { cause: error },
    );
    this.options.log.error(
      { err: error },
      'spool: write or fsync failed; no new messages accepted until restart',
    );
    for (const item of [...batch, ...this.queue]) item.wait.reject(this.unavailable);
    this.queue = [];
  }

  /** A live message's envelope (as first written) and body, for copying it into the head segment. */
  async readRecord(id: string, entry: Entry): Promise<{ envelopeJson: Buffer; body: Buffer }> {
    const segment = entry.segment;
    segment.readers++;
    try {
      const start = entry.bodyOffset + entry.bodyLength - entry.recordLength;
      const record = await segment.msgs.read(start, entry.recordLength);
      const envelopeEnd = entry.recordLength - entry.bodyLength;
      const body = record.subarray(envelopeEnd);
      if (crc32(body) !== entry.bodyCrc) throw new SpoolCorruptError(id, 'body checksum mismatch');
      return { envelopeJson: record.subarray(MESSAGE_HEADER_SIZE, envelopeEnd), body };
    } finally {
      segment.readers--;
      void this.release(segment);
    }
  }
}
