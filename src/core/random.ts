// Pooled CSPRNG bytes: one randomFillSync per 8 KiB instead of one per id or IV on the hot path.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(8192);
let offset = pool.length;

/** `n` (<= 256) fresh random bytes; every byte is handed out once. The view is valid until the next call. */
export function randomView(n: number): Buffer {
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}
