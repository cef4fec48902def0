// Byte layout of the two record kinds in a spool segment (see index.ts for the whole format) and
// the scanners recovery uses. Every record starts with a magic number and carries CRC-32s, so a
// scanner can tell a clean record from a torn or damaged one and resynchronise on the next magic.
import { crc32 } from 'node:zlib';
import { type FinalRecipientState, RECIPIENT_STATES, type RecipientState } from './envelope.js';

/** `OPM1` little-endian: a message record in a `.msgs` file. */
export const MESSAGE_MAGIC = 0x314d504f;
/** `OPD1` little-endian: a recipient-outcome record in a `.done` file. */
export const DONE_MAGIC = 0x3144504f;

/** magic, envelope length, body length, body CRC, header CRC (over the 16 bytes before it + envelope). */
export const MESSAGE_HEADER_SIZE = 20;
/** magic, payload length, CRC (over the 8 bytes before it + payload). */
export const DONE_HEADER_SIZE = 12;

/** Upper bound on an envelope; a larger length field can only be damage. */
const MAX_ENVELOPE = 16 * 1024 * 1024;

export function encodeMessageHeader(envelopeJson: Buffer, body: Buffer): Buffer {
  const header = Buffer.allocUnsafe(MESSAGE_HEADER_SIZE);
  header.writeUInt32LE(MESSAGE_MAGIC, 0);
  header.writeUInt32LE(envelopeJson.length, 4);
  header.writeUInt32LE(body.length, 8);
  header.writeUInt32LE(crc32(body), 12);
  header.writeUInt32LE(crc32(envelopeJson, crc32(header.subarray(0, 16))), 16);
  return header;
}

/** A done record: recipients `r` (all of them when absent) of message `id` reached state `s`. */
export interface DonePayload {
  id: string;
  r?: readonly number[];
  s: FinalRecipientState;
}

export function encodeDone(payload: DonePayload): Buffer {
  const json = Buffer.from(JSON.stringify(payload));
  const out = Buffer.allocUnsafe(DONE_HEADER_SIZE + json.length);
  out.writeUInt32LE(DONE_MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, DONE_HEADER_SIZE);
  out.writeUInt32LE(crc32(json, crc32(out.subarray(0, 8))), 8);
  return out;
}

export interface ScannedMessage {
  recordOffset: number;
  recordLength: number;
  envelopeJson: Buffer;
  bodyOffset: number;
  bodyLength: number;
  bodyCrc: number;
}

/** A stretch of a file that is not a valid record: damage, or a write cut short at the end. */
export interface ScanProblem {
  offset: number;
  length: number;
  kind: 'corrupt' | 'truncated';
}

export interface ScanResult<T> {
  records: T[];
  problems: ScanProblem[];
}

type Reader<T> = (buf: Buffer, offset: number) => { record: T; length: number } | 'truncated' | 'bad';

/**
 * Reads records front to back. A bad record starts a search for the next offset where a valid
 * record begins; if none does, the rest is one problem ('truncated' when it is a clean prefix of a
 * record, which is what an interrupted append leaves).
 */
function scan<T>(buf: Buffer, magic: number, read: Reader<T>): ScanResult<T> {
  const records: T[] = [];
  const problems: ScanProblem[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const result = read(buf, offset);
    if (typeof result === 'object') {
      records.push(result.record);
      offset += result.length;
      continue;
    }
    const next = resync(buf, offset + 1, magic, read);
    const kind = result === 'truncated' && next === buf.length ? 'truncated' : 'corrupt';
    problems.push({ offset, length: next - offset, kind });
    offset = next;
  }
  return { records, problems };
}

function resync<T>(buf: Buffer, from: number, magic: number, read: Reader<T>): number {
  const pattern = Buffer.allocUnsafe(4);
  pattern.writeUInt32LE(magic, 0);
  for (let at = buf.indexOf(pattern, from); at !== -1; at = buf.indexOf(pattern, at + 1)) {
    if (typeof read(buf, at) === 'object') return at;
  }
  return buf.length;
}

const readMessage: Reader<ScannedMessage> = (buf, offset) => {
  if (buf.length - offset < MESSAGE_HEADER_SIZE) {
    return buf.length - offset < 4 || buf.readUInt32LE(offset) === MESSAGE_MAGIC ? 'truncated' : 'bad';
  }
  if (buf.readUInt32LE(offset) !== MESSAGE_MAGIC) return 'bad';
  const envelopeLength = buf.readUInt32LE(offset + 4);
  const bodyLength = buf.readUInt32LE(offset + 8);
  const bodyCrc = buf.readUInt32LE(offset + 12);
  if (envelopeLength > MAX_ENVELOPE) return 'bad';
  const envelopeStart = offset + MESSAGE_HEADER_SIZE;
  if (envelopeStart + envelopeLength > buf.length) return 'truncated';
  const envelopeJson = buf.subarray(envelopeStart, envelopeStart + envelopeLength);
  const headCrc = crc32(envelopeJson, crc32(buf.subarray(offset, offset + 16)));
  if (headCrc !== buf.readUInt32LE(offset + 16)) return 'bad';
  const bodyOffset = envelopeStart + envelopeLength;
  if (bodyOffset + bodyLength > buf.length) return 'truncated';
  if (crc32(buf.subarray(bodyOffset, bodyOffset + bodyLength)) !== bodyCrc) return 'bad';
  const recordLength = MESSAGE_HEADER_SIZE + envelopeLength + bodyLength;
  return {
    record: { recordOffset: offset, recordLength, envelopeJson, bodyOffset, bodyLength, bodyCrc },
    length: recordLength,
  };
};

const readDone: Reader<DonePayload> = (buf, offset) => {
  if (buf.length - offset < DONE_HEADER_SIZE) {
    return buf.length - offset < 4 || buf.readUInt32LE(offset) === DONE_MAGIC ? 'truncated' : 'bad';
  }
  if (buf.readUInt32LE(offset) !== DONE_MAGIC) return 'bad';
  const length = buf.readUInt32LE(offset + 4);
  if (length > MAX_ENVELOPE) return 'bad';
  const start = offset + DONE_HEADER_SIZE;
  if (start + length > buf.length) return 'truncated';
  const json = buf.subarray(start, start + length);
  if (crc32(json, crc32(buf.subarray(offset, offset + 8))) !== buf.readUInt32LE(offset + 8)) return 'bad';
  const payload = parseDone(json);
  return payload ? { record: payload, length: DONE_HEADER_SIZE + length } : 'bad';
};

function parseDone(json: Buffer): DonePayload | undefined {
  try {
    const value = JSON.parse(json.toString('utf8')) as DonePayload;
    const statesOk =
      (RECIPIENT_STATES as readonly string[]).includes(value.s) && value.s !== ('pending' as string);
    const indexesOk = value.r === undefined || (Array.isArray(value.r) && value.r.every(Number.isInteger));
    return typeof value.id === 'string' && statesOk && indexesOk ? value : undefined;
  } catch {
    return undefined;
  }
}

export const scanMessages = (buf: Buffer) => scan(buf, MESSAGE_MAGIC, readMessage);
export const scanDone = (buf: Buffer) => scan(buf, DONE_MAGIC, readDone);

/** State codes kept in memory (one byte per recipient). */
export const stateCode = (state: RecipientState): number => RECIPIENT_STATES.indexOf(state);
export const stateOf = (code: number): RecipientState => RECIPIENT_STATES[code] ?? 'pending';
