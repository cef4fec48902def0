// Spool ids: 13 lowercase base-32 characters that sort by reception time. 48 bits of milliseconds
// then a 16-bit counter that starts at a random value, so ids made in the same millisecond differ
// and sort in creation order, and a restart (which takes far longer than a millisecond) cannot
// reuse one. Ids also name messages in our Received header, like PowerMTA's 12-character ids.
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford: no i, l, o, u
let lastMs = -1;
let counter = randomInt(0x10000);

export function newSpoolId(now = Date.now()): string {
  if (now <= lastMs) now = lastMs;
  else counter = randomInt(0x8000);
  if (now === lastMs && ++counter > 0xffff) {
    // 65,536 ids in one millisecond: borrow the next millisecond rather than repeat one.
    now = lastMs + 1;
    counter = 0;
  }
  lastMs = now;
  let value = (BigInt(now) << 16n) | BigInt(counter);
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export const SPOOL_ID = /^[0-9a-hjkmnp-tv-z]{13}$/;
