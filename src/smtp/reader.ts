// The wire layer of the listener (reference code-style.md §2): splits what the client sends into
// command lines, and in DATA mode collects the message until the terminating CRLF.CRLF. It knows
// nothing of SMTP semantics. A handler may return a promise; reading then stops until it settles,
// which is how pipelined commands are answered strictly in order.
//
// DATA ends only at CRLF "." CRLF. A bare LF or CR never ends a line here (SMTP smuggling: a
// "\n.\n" or "\r.\r\n" must not let a client slip a second message past an MTA that reads the
// stream differently). Dot-unstuffing and line-ending cleanup happen on the whole message in
// data.ts, once the message is complete.

const LF = 10;
const TERMINATOR = Buffer.from('\r\n.\r\n');

export interface ReaderHandlers {
  /** A command line without its CRLF (or bare LF). */
  line(line: Buffer): void | Promise<void>;
  /** A command line longer than the limit was discarded. */
  lineTooLong(): void | Promise<void>;
  /** DATA ended: the raw message bytes (CRLF before the dot included), or overflow past the limit. */
  dataEnd(raw: Buffer, overflow: boolean): void | Promise<void>;
}

interface DataState {
  chunks: Buffer[];
  /** Real bytes seen so far (kept or not). */
  length: number;
  kept: number;
  limit: number;
  /** The last up-to-4 bytes of the virtual stream "\r\n" + data, for terminators split across reads. */
  tail: Buffer;
}

export class SmtpReader {
  private pending: Buffer[] = [];
  private partial: Buffer | undefined;
  private discarding = false;
  private busy = false;
  private dropRest = false;
  private data: DataState | undefined;

  constructor(
    private readonly handlers: ReaderHandlers,
    private readonly maxLine: number,
  ) {}

  get inData(): boolean {
    return this.data !== undefined;
  }

  /** Switches to DATA mode after the 354; `limit` is the most message bytes kept in memory. */
  startData(limit: number): void {
    // +3: the kept bytes include the ".\r\n" of the terminator until it is cut off.
    this.data = { chunks: [], length: 0, kept: 0, limit: limit + 3, tail: Buffer.from('\r\n') };
  }

  /**
   * Forgets everything buffered, including the rest of the chunk being read: after STARTTLS,
   * plaintext the client sent ahead must not be read as if it came over TLS (CVE-2011-0411).
   */
  discardBuffered(): void {
    this.pending = [];
    this.partial = undefined;
    this.dropRest = true;
  }

  push(chunk: Buffer): void {
    if (this.busy) this.pending.push(chunk);
    else this.run(chunk);
  }

  private run(first: Buffer): void {
    let chunk: Buffer | undefined = first;
    while (chunk) {
      const rest = this.data ? this.consumeData(chunk) : this.consumeLines(chunk);
      if (rest === undefined) {
        chunk = this.pending.shift();
        continue;
      }
      // A handler went async: park the rest (ahead of anything that arrived meanwhile) and resume.
      this.busy = true;
      if (rest.value.length > 0 && !this.dropRest) this.pending.unshift(rest.value);
      this.dropRest = false;
      void rest.wait.then(
        () => this.resume(),
        () => this.resume(),
      );
      return;
    }
  }

  private resume(): void {
    this.busy = false;
    const next = this.pending.shift();
    if (next) this.run(next);
  }

  /** Returns undefined when the chunk is used up, or the unread rest and what to wait for. */
  private consumeLines(chunk: Buffer): { value: Buffer; wait: Promise<void> } | undefined {
    let from = 0;
    while (from < chunk.length && !this.data) {
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) {
        this.keepPartial(chunk.subarray(from));
        return undefined;
      }
      let line = chunk.subarray(from, lf);
      from = lf + 1;
      if (this.partial) {
        line = Buffer.concat([this.partial, line]);
        this.partial = undefined;
      }
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (line.length > this.maxLine) {
        const result = this.handlers.lineTooLong();
        if (result) return { value: chunk.subarray(from), wait: result };
        continue;
      }
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, -1);
      const result = this.handlers.line(line);
      if (result) return { value: chunk.subarray(from), wait: result };
    }
    if (from < chunk.length) return this.consumeData(chunk.subarray(from));
    return undefined;
  }

  private keepPartial(bytes: Buffer): void {
    if (this.discarding) return;
    const length = (this.partial?.length ?? 0) + bytes.length;
    if (length > this.maxLine) {
      // Drop it now rather than buffer an endless line; the reply comes once, the rest of the
      // line up to its LF is ignored.
      this.partial = undefined;
      this.discarding = true;
      void this.handlers.lineTooLong();
      return;
    }
    this.partial = this.partial ? Buffer.concat([this.partial, bytes]) : Buffer.from(bytes);
  }

  private consumeData(chunk: Buffer): { value: Buffer; wait: Promise<void> } | undefined {
    const data = this.data!;
    const end = findTerminator(data.tail, chunk);
    const used = end < 0 ? chunk : chunk.subarray(0, end);
    data.length += used.length;
    if (data.kept + used.length <= data.limit) {
      data.chunks.push(used);
      data.kept += used.length;
    } else data.kept = data.limit + 1;
    if (end < 0) {
      data.tail = lastBytes(data.tail, chunk);
      return undefined;
    }
    this.data = undefined;
    // `used` ends with "\r\n.\r\n" (or ".\r\n" when the message is empty); drop the ".\r\n".
    const overflow = data.kept > data.limit;
    const raw = overflow ? Buffer.alloc(0) : Buffer.concat(data.chunks, data.kept).subarray(0, data.kept - 3);
    const rest = chunk.subarray(end);
    const result = this.handlers.dataEnd(raw, overflow);
    if (result) return { value: rest, wait: result };
    return rest.length > 0 ? this.consumeLines(rest) : undefined;
  }
}

/** Offset just past the first CRLF.CRLF that ends in `chunk`, given the stream's `tail`; -1 if none. */
function findTerminator(tail: Buffer, chunk: Buffer): number {
  const head = chunk.subarray(0, 4);
  const joined = Buffer.concat([tail, head]);
  const across = joined.indexOf(TERMINATOR);
  if (across >= 0 && across < tail.length) return across + TERMINATOR.length - tail.length;
  const inside = chunk.indexOf(TERMINATOR);
  return inside < 0 ? -1 : inside + TERMINATOR.length;
}

function lastBytes(tail: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= 4) return Buffer.from(chunk.subarray(chunk.length - 4));
  return Buffer.from(Buffer.concat([tail, chunk]).subarray(-4));
}
