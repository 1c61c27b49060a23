// Twilio-shaped sids: VE sids that decode back to otpd verification ids, random VA/AC/SK sids, VL attempt sids, HJ template sids.
import { createHash } from 'node:crypto';

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const HEX32 = /^[0-9a-fA-F]{32}$/;

/** `ver_<ULID>` -> `VE` + 32 lowercase hex: a ULID is 128 bits, so the sid carries the id itself and needs no lookup table. */
export function verificationSid(id: string): string {
  const ulid = id.startsWith('ver_') ? id.slice(4) : '';
  if (!ULID_RE.test(ulid)) throw new Error('not an otpd verification id');
  let n = 0n;
  for (const ch of ulid) n = (n << 5n) | BigInt(ULID_ALPHABET.indexOf(ch));
  return `VE${n.toString(16).padStart(32, '0')}`;
}

/** `VE` + 32 hex -> `ver_<ULID>`; null when the sid is not of that shape. */
export function verificationIdOf(sid: string): string | null {
  if (sid.length !== 34 || !sid.startsWith('VE') || !HEX32.test(sid.slice(2))) return null;
  let n = BigInt(`0x${sid.slice(2)}`);
  let ulid = '';
  for (let i = 0; i < 26; i++) {
    ulid = ULID_ALPHABET[Number(n & 31n)]! + ulid;
    n >>= 5n;
  }
  return `ver_${ulid}`;
}

/** True for a `<prefix>` + 32 hex sid (Twilio's sid shape). */
export function isSid(prefix: string, s: string): boolean {
  return s.length === 34 && s.startsWith(prefix) && HEX32.test(s.slice(2));
}

/** A stable `VL…` sid for one send of a verification; derived, so repeated fetches agree without storing it. */
export function attemptSid(verificationId: string, sendId: number): string {
  return `VL${createHash('sha256').update(`${verificationId}:${sendId}`).digest('hex').slice(0, 32)}`;
}

/** An otpd template id (a UUID) as a Twilio template sid: `HJ` + its 32 hex digits. */
export function templateSid(uuid: string): string {
  return `HJ${uuid.replace(/-/g, '').toLowerCase()}`;
}

/** `HJ` + 32 hex -> the otpd template UUID; null when the sid is not of that shape. */
export function templateIdOf(sid: string): string | null {
  if (!isSid('HJ', sid)) return null;
  const h = sid.slice(2).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
