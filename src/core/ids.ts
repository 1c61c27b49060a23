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

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * A ULID's 128 bits as 32 lowercase hex digits, or null when `s` is not a ULID. The dialects show
 * otpd ids in vendor shapes (Twilio sids, UUIDs) this way, so no mapping table is needed.
 */
export function ulidToHex(s: string): string | null {
  if (!ULID_RE.test(s)) return null;
  let n = 0n;
  for (const ch of s) n = (n << 5n) | BigInt(ALPHABET.indexOf(ch));
  return n.toString(16).padStart(32, '0');
}

/** The ULID whose 128 bits are the 32 hex digits `hex` (the inverse of ulidToHex). */
export function hexToUlid(hex: string): string {
  let n = BigInt(`0x${hex}`);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(n & 31n)]! + out;
    n >>= 5n;
  }
  return out;
}

/** 32 hex digits in the 8-4-4-4-12 UUID layout. */
export function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
