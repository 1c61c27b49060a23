// D7 otp_id <-> otpd verification id: a reversible encoding of the 128-bit ULID as a UUID, so no mapping is stored.

import { hexToUlid, hexToUuid, ulidToHex } from '../../core/ids.js';

const VER_ID = /^ver_([0-9A-HJKMNP-TV-Z]{26})$/;
const UUID = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

/** The otp_id a D7 client sees for verification `verId` (`ver_` + ULID): the ULID's 128 bits written as a UUID. */
export function otpIdOf(verId: string): string {
  const hex = ulidToHex(VER_ID.exec(verId)?.[1] ?? '');
  if (!hex) throw new Error(`not a verification id: ${verId.slice(0, 40)}`);
  return hexToUuid(hex);
}

/**
 * The verification id an otp_id names, or null when it is not a UUID. Every UUID decodes to some
 * id; one that was never issued (or belongs to another account) is then simply not found.
 */
export function verIdOf(otpId: unknown): string | null {
  if (typeof otpId !== 'string') return null;
  const m = UUID.exec(otpId.trim());
  if (!m) return null;
  return `ver_${hexToUlid(m.slice(1).join(''))}`;
}
