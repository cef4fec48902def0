// The spool's public face: open (lock, recover, start a fresh head segment), store, read, record
// outcomes, compact, close. The format and guarantees are described in index.ts.
import { mkdir, open, readFile, rename, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logging.js';
import {
  type FinalRecipientState,
  isFinal,
  type RecoveredEnvelope,
  type SpoolEnvelope,
  type SpooledMessage,
} from './envelope.js';
import { SpoolCorruptError, SpoolError, SpoolUnavailableError, UnknownMessageError } from './errors.js';
import { lockSpool, type SpoolLock } from './lock.js';
import { RecentMessages } from './recent.js';
import { stateCode, stateOf } from './record.js';
import { type FoundMessage, parseEnvelope, recoverSegments } from './recovery.js';
import { Segment } from './segment.js';
import { SPOOL_ID } from './spool-id.js';
import { Entry, MessageStore } from './store.js';

const FORMAT = 'outpost-spool 1\n';

export interface SpoolOptions {
  log: Logger;
  /** Bytes per segment file before a new one starts (default 64 MiB). */
  segmentSize?: number;
  /** `<spool> min-free-space`: below this many free bytes, store() refuses (default 0). */
  minFreeBytes?: number;
  /** How often compaction looks for mostly-dead segments (ms, default 60 s; 0 = never). */
  compactEvery?: number;
  /** Bytes of recently stored messages kept in memory for their first read (default 32 MiB). */
  recentBytes?: number;
}

export interface OpenedSpool {
  spool: Spool;
  /** Every acknowledged message with at least one pending recipient, oldest first (compact form). */
  recovered: RecoveredEnvelope[];
}

export class Spool {
  private readonly timers: NodeJS.Timeout[] = [];
  private full = false;
  private closed = false;
  private readonly recent: RecentMessages;

  private constructor(
    readonly dir: string,
    private readonly messages: MessageStore,
    private readonly lock: SpoolLock,
    private readonly options: SpoolOptions,
  ) {
    this.recent = new RecentMessages(options.recentBytes ?? 32 * 1024 * 1024);
  }

  /** Locks DIR (creating it if needed), recovers it, and starts a new head segment. */
  static async open(dir: string, options: SpoolOptions): Promise<OpenedSpool> {
    const segmentsDir = join(dir, 'segments');
    await mkdir(segmentsDir, { recursive: true });
    await mkdir(join(dir, 'corrupt'), { recursive: true });
    const lock = await lockSpool(dir);
    try {
      await checkFormat(dir);
      const syncDir = () => fsyncDir(segmentsDir);
      const found = await recoverSegments(segmentsDir, options.log, syncDir);
      const head = await Segment.create(found.nextSeq, segmentsDir, syncDir);
      let nextSeq = found.nextSeq + 1;
      const store = new MessageStore(head, {
        log: options.log,
        segmentSize: options.segmentSize ?? 64 * 1024 * 1024,
        newSegment: () => Segment.create(nextSeq++, segmentsDir, syncDir),
        dropSegment: (segment) => dropSegment(segment, dir, options.log, syncDir),
      });
      store.segments.push(...found.segments, head);
      const spool = new Spool(dir, store, lock, options);
      const recovered = spool.adopt(found.messages);
      await spool.moveOutOf(found.segments.filter((s) => s.damaged));
      for (const segment of found.segments) void store.release(segment);
      await store.drain();
      await spool.startTimers();
      options.log.info(
        { dir, messages: recovered.length },
        `spool ${dir} open: ${recovered.length} messages to deliver`,
      );
      return { spool, recovered };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Indexes what recovery found and returns the live envelopes, oldest first. */
  private adopt(messages: Map<string, FoundMessage>): RecoveredEnvelope[] {
    const live: RecoveredEnvelope[] = [];
    for (const { segment, record, envelope } of messages.values()) {
      // Deleting as we go lets the scan's objects go while the index is built (memory peak).
      messages.delete(envelope.id);
      const states = envelope.recipients.map((r) => stateCode(r.state));
      const pending = envelope.recipients.filter((r) => !isFinal(r.state)).length;
      if (pending === 0) continue;
      const { recordLength, bodyOffset, bodyLength, bodyCrc } = record;
      this.messages.index.set(
        envelope.id,
        new Entry(segment, segment, recordLength, bodyOffset, bodyLength, bodyCrc, states, pending),
      );
      segment.live++;
      segment.liveBytes += recordLength;
      live.push(envelope);
    }
    return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Resolves once the message and its envelope are on disk (fdatasync); only then may the client
   * get its 250. `envelope.size` is set from the body. Every recipient must be `pending`.
   */
  async store(envelope: SpoolEnvelope, body: Buffer): Promise<SpoolEnvelope> {
    if (this.closed) throw new SpoolUnavailableError('closed', 'spool is closed');
    if (this.full) throw new SpoolUnavailableError('full', 'spool disk is below min-free-space');
    if (!SPOOL_ID.test(envelope.id))
      throw new TypeError(`invalid spool id "${envelope.id}" (use newSpoolId)`);
    if (this.messages.index.has(envelope.id))
      throw new SpoolError('SPOOL_DUPLICATE_ID', `id ${envelope.id} exists`);
    if (envelope.recipients.length === 0 || envelope.recipients.some((r) => r.state !== 'pending')) {
      throw new TypeError('a stored message needs recipients, all pending');
    }
    envelope.size = body.length;
    await this.messages.write({ kind: 'message', envelope, body });
    // Kept as is: read() copies it and takes the recipients' states from the index, not from it.
    this.recent.add(envelope, body);
    return envelope;
  }

  /**
   * The message's envelope, its recipients' states as they are now, and its bytes (one read):
   * what delivery needs per attempt. Throws UnknownMessageError or SpoolCorruptError.
   */
  async read(id: string): Promise<SpooledMessage> {
    const entry = this.messages.index.get(id);
    if (!entry) throw new UnknownMessageError(id);
    const recent = this.recent.get(id);
    if (recent) {
      const recipients = recent.envelope.recipients.map((r, i) => ({
        ...r,
        state: stateOf(entry.stateAt(i)),
      }));
      return { envelope: { ...recent.envelope, recipients }, body: recent.body };
    }
    const { envelopeJson, body } = await this.messages.readRecord(id, entry);
    const envelope = parseEnvelope(envelopeJson);
    if (!envelope) throw new SpoolCorruptError(id, 'envelope does not parse');
    envelope.recipients.forEach((r, i) => {
      r.state = stateOf(entry.stateAt(i));
    });
    return { envelope, body };
  }

  /** The message's bytes as stored; throws UnknownMessageError or SpoolCorruptError. */
  readBody(id: string): Promise<Buffer> {
    return this.messages.readBody(id);
  }

  /**
   * Records a final outcome for some recipients (indexes into envelope.recipients), durably: a
   * restart will not return them as pending. Once no recipient is pending the message is gone
   * (later calls throw UnknownMessageError) and its space is reclaimed.
   */
  markRecipients(id: string, indexes: readonly number[], state: FinalRecipientState): Promise<void> {
    if (!isFinal(state)) return Promise.reject(new TypeError('markRecipients needs a final state'));
    return this.messages.mark(id, indexes, state).then(() => {
      if (!this.messages.index.has(id)) this.recent.forget(id);
    });
  }

  /** Finishes a message: every recipient still pending becomes `deleted`. No-op if already gone. */
  async remove(id: string): Promise<void> {
    if (!this.messages.index.has(id)) return;
    await this.messages.mark(id, undefined, 'deleted');
    this.recent.forget(id);
  }

  has(id: string): boolean {
    return this.messages.index.has(id);
  }

  stats(): { messages: number; recipients: number; segments: number; bytes: number; commits: number } {
    let recipients = 0;
    for (const entry of this.messages.index.values()) recipients += entry.pending;
    const bytes = this.messages.segments.reduce((sum, s) => sum + s.msgs.size + s.done.size, 0);
    const { index, segments, commits } = this.messages;
    return { messages: index.size, recipients, segments: segments.length, bytes, commits };
  }

  /**
   * Copies every live message of `segments` into the head (with its outcomes so far) so those
   * segments can go. Used for damaged segments at start and for mostly-dead ones later.
   */
  async moveOutOf(segments: Segment[]): Promise<void> {
    const moving: Promise<void>[] = [];
    for (const [id, entry] of this.messages.index) {
      if (!segments.includes(entry.segment) || entry.moving) continue;
      entry.moving = true;
      moving.push(this.moveOne(id, entry));
      if (moving.length >= 64) await Promise.all(moving.splice(0));
    }
    await Promise.all(moving);
  }

  private async moveOne(id: string, entry: Entry): Promise<void> {
    const { envelopeJson, body } = await this.messages.readRecord(id, entry);
    const envelope = parseEnvelope(envelopeJson);
    if (!envelope) throw new SpoolError('SPOOL_CORRUPT', `envelope of ${id} no longer parses`);
    await this.messages.write({ kind: 'message', envelope, body, moving: entry });
  }

  private async startTimers(): Promise<void> {
    const every = this.options.compactEvery ?? 60_000;
    if (every > 0) this.every(every, () => this.compact());
    if ((this.options.minFreeBytes ?? 0) > 0) {
      await this.checkFreeSpace();
      this.every(5000, () => this.checkFreeSpace());
    }
  }

  private every(ms: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.closed) return;
      running = true;
      task()
        .catch((error: unknown) => this.options.log.error({ err: error }, 'spool: background task failed'))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Moves the messages out of segments that are mostly dead (default: over 75%) and old enough. */
  compact({ maxLive = 0.25, minAge = 60_000 } = {}): Promise<void> {
    const now = Date.now();
    const sparse = this.messages.segments.filter(
      (s) =>
        s !== this.messages.head &&
        s.live > 0 &&
        s.liveBytes <= s.msgs.size * maxLive &&
        now - s.createdAt >= minAge,
    );
    return sparse.length > 0 ? this.moveOutOf(sparse).then(() => this.messages.drain()) : Promise.resolve();
  }

  private async checkFreeSpace(): Promise<void> {
    const fs = await statfs(this.dir);
    const free = fs.bavail * fs.bsize;
    const full = free < (this.options.minFreeBytes ?? 0);
    if (full !== this.full) {
      this.options.log.warn(
        { dir: this.dir, free },
        full ? 'spool: below min-free-space, refusing mail' : 'spool: free space recovered',
      );
    }
    this.full = full;
  }

  /** Waits for writes in flight, closes the files and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.messages.drain();
    await Promise.all(this.messages.segments.map((s) => s.close()));
    await this.lock.release();
  }
}

async function checkFormat(dir: string): Promise<void> {
  const path = join(dir, 'FORMAT');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) await writeFile(path, FORMAT);
  else if (text !== FORMAT) {
    throw new SpoolError(
      'SPOOL_FORMAT',
      `${dir} holds "${text.trim()}"; this Outpost reads "${FORMAT.trim()}"`,
    );
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes a finished segment, or moves a damaged one to corrupt/ for a person to look at. */
async function dropSegment(segment: Segment, dir: string, log: Logger, syncDir: () => Promise<void>) {
  if (!segment.damaged) return segment.delete(syncDir);
  await segment.close();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const file of [segment.msgs.path, segment.done.path]) {
    const target = join(dir, 'corrupt', `${stamp}-${file.split('/').pop()}`);
    await rename(file, target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await syncDir();
  log.warn(
    { segment: segment.name },
    `spool: damaged segment ${segment.name} set aside in ${join(dir, 'corrupt')}`,
  );
}
