// SparkPost-style message ids: "0000" + the Unix time as 8 hex digits in little-endian byte order +
// 8 random hex digits (20 characters), as SparkPost's own ingest examples generate them
// (reference sparkpost-api.md §1.4).
import { randomBytes } from 'node:crypto';

export function newMessageId(now = Date.now()): string {
  const time = Buffer.alloc(4);
  time.writeUInt32LE(Math.floor(now / 1000) >>> 0);
  return `0000${time.toString('hex')}${randomBytes(4).toString('hex')}`;
}
