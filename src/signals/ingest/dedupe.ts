// Remembers which event ids were stored recently, so a re-sent event is stored once. SparkPost
// refuses events older than 24 hours, so a duplicate can only repeat an event stored within that
// window: ids are kept for 25 hours, then forgotten. Ids are kept as two 32-bit hashes in typed
// arrays (12 bytes a slot instead of ~80 for a JS Set entry: 10M ids in ~240 MB, not ~1 GB); two
// distinct ids colliding on all 64 bits is about 3e-6 likely at 10M ids.

const EMPTY = 0;

function hashes(id: string): [number, number] {
  // FNV-1a and a multiply-xorshift variant over the UTF-16 code units.
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // 0 marks an empty slot, so a real hash never takes it.
  return [a >>> 0 || 1, b >>> 0];
}

export class EventIdSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** Hour (Unix seconds / 3600) when the id was added, for expiry. */
  private hour: Uint32Array;
  private used = 0;

  constructor(
    private readonly keepHours = 25,
    capacity = 1 << 16,
  ) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.hour = new Uint32Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** Adds the id; false when it was already there (a duplicate). */
  add(id: string, now: number): boolean {
    if ((this.used + 1) * 10 > this.hi.length * 7) this.rebuild(now, this.hi.length * 2);
    const [h, l] = hashes(id);
    const mask = this.hi.length - 1;
    let slot = (h ^ l) & mask;
    while (this.hi[slot] !== EMPTY) {
      if (this.hi[slot] === h && this.lo[slot] === l) return false;
      slot = (slot + 1) & mask;
    }
    this.hi[slot] = h;
    this.lo[slot] = l;
    this.hour[slot] = Math.floor(now / 3600);
    this.used += 1;
    return true;
  }

  has(id: string): boolean {
    const [h, l] = hashes(id);
    const mask = this.hi.length - 1;
    let slot = (h ^ l) & mask;
    while (this.hi[slot] !== EMPTY) {
      if (this.hi[slot] === h && this.lo[slot] === l) return true;
      slot = (slot + 1) & mask;
    }
    return false;
  }

  /** Drops ids older than the window (call hourly); rebuilding also removes probe chains. */
  expire(now: number): void {
    this.rebuild(now, this.hi.length);
  }

  private rebuild(now: number, capacity: number): void {
    const oldest = Math.floor(now / 3600) - this.keepHours;
    const [hi, lo, hour] = [this.hi, this.lo, this.hour];
    let live = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== EMPTY && hour[i]! >= oldest) live++;
    while (live * 10 > capacity * 5) capacity *= 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.hour = new Uint32Array(capacity);
    this.used = 0;
    const mask = capacity - 1;
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] === EMPTY || hour[i]! < oldest) continue;
      let slot = (hi[i]! ^ lo[i]!) & mask;
      while (this.hi[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.hi[slot] = hi[i]!;
      this.lo[slot] = lo[i]!;
      this.hour[slot] = hour[i]!;
      this.used += 1;
    }
  }
}
