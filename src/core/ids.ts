// Time-ordered opaque ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32).
import { randomView } from './random.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 26-char ULID for time `ms`; ids sort by creation time, which keeps B-tree inserts at the right edge. */
export function ulid(ms: number): string {
  let time = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const r = randomView(10);
  // 80 random bits -> 16 base32 chars, 5 bits at a time.
  let rand = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | r[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return time + rand;
}

/** A prefixed id such as `ver_01JD…`. */
export function newId(prefix: string, ms: number): string {
  return `${prefix}_${ulid(ms)}`;
}
