// `event_id`: a decimal string in 0 … 2^63−1 (sparkpost-api.md §1.2). SparkPost's own tools pick each
// id at random. We pick a random start per process and count up from it: ids are just as hard to
// guess across processes, and can never repeat inside one. That matters because the ingest service
// drops an event whose id it has already seen (duplicates, §1.5).
import { randomBytes } from 'node:crypto';

const MASK = (1n << 63n) - 1n;

export class EventIdSource {
  private next: bigint;

  constructor(start = randomBytes(8).readBigUInt64BE() & MASK) {
    this.next = start & MASK;
  }

  id(): string {
    const value = this.next;
    this.next = (value + 1n) & MASK;
    return value.toString();
  }
}
