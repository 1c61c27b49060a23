// GetOTP-shaped identifiers: UUIDs for accounts and messages (lossless views of otpd's ULIDs), random legacy otp ids.
import { createHash, randomBytes } from 'node:crypto';
import { hexToUlid, hexToUuid, ulidToHex } from '../../core/ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the 8-4-4-4-12 hex form GetOTP uses for template, account and message ids. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** A ULID (128 bits in 26 base32 characters) written as a UUID; null when `ulid` is not one. */
export function ulidToUuid(ulid: string): string | null {
  const hex = ulidToHex(ulid);
  return hex ? hexToUuid(hex) : null;
}

/** The ULID a UUID made by `ulidToUuid` came from. */
export function uuidToUlid(uuid: string): string {
  return hexToUlid(uuid.replace(/-/g, ''));
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
