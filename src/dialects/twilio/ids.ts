// Twilio-shaped sids: VE sids that decode back to otpd verification ids, random VA/AC/SK sids, VL attempt sids, HJ template sids.
import { createHash } from 'node:crypto';
import { hexToUlid, hexToUuid, ulidToHex } from '../../core/ids.js';

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** `ver_<ULID>` -> `VE` + 32 lowercase hex: a ULID is 128 bits, so the sid carries the id itself and needs no lookup table. */
export function verificationSid(id: string): string {
  const hex = ulidToHex(id.startsWith('ver_') ? id.slice(4) : '');
  if (!hex) throw new Error('not an otpd verification id');
  return `VE${hex}`;
}

/** `VE` + 32 hex -> `ver_<ULID>`; null when the sid is not of that shape. */
export function verificationIdOf(sid: string): string | null {
  if (sid.length !== 34 || !sid.startsWith('VE') || !HEX32.test(sid.slice(2))) return null;
  return `ver_${hexToUlid(sid.slice(2))}`;
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
  return hexToUuid(sid.slice(2).toLowerCase());
}
