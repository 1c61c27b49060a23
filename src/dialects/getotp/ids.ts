// GetOTP-shaped identifiers: UUIDs for accounts and messages (lossless views of otpd's ULIDs), random legacy otp ids.
import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** True for the 8-4-4-4-12 hex form GetOTP uses for template, account and message ids. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A ULID (128 bits in 26 base32 characters) written as a UUID; null when `ulid` is not one. */
export function ulidToUuid(ulid: string): string | null {
  if (!ULID.test(ulid)) return null;
  let n = 0n;
  for (const ch of ulid) n = (n << 5n) | BigInt(CROCKFORD.indexOf(ch));
  return hexToUuid(n.toString(16).padStart(32, '0'));
}

/** The ULID a UUID made by `ulidToUuid` came from. */
export function uuidToUlid(uuid: string): string {
  let n = BigInt(`0x${uuid.replace(/-/g, '')}`);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)]! + out;
    n >>= 5n;
  }
  return out;
}

/** `prefix_<ULID>` -> UUID; any other id gets a stable hash-derived UUID, so the field always has GetOTP's shape. */
export function prefixedIdToUuid(id: string): string {
  const u = ulidToUuid(id.slice(id.indexOf('_') + 1));
  return u ?? hexToUuid(createHash('sha256').update(id).digest('hex').slice(0, 32));
}

/** GetOTP's message_id for an otpd verification id (`ver_<ULID>`). */
export function messageIdOf(verificationId: string): string {
  return prefixedIdToUuid(verificationId);
}

/** The otpd verification id behind a message_id. */
export function verificationIdOf(messageId: string): string {
  return `ver_${uuidToUlid(messageId)}`;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random characters of [a-z0-9], the alphabet of legacy otp ids, secrets and API keys (rejection sampling: no bias). */
export function randomAlnum(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 252 && out.length < n) out += ALNUM[b % 36];
    }
  }
  return out;
}
