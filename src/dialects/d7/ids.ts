// D7 otp_id <-> otpd verification id: a reversible encoding of the 128-bit ULID as a UUID, so no mapping is stored.

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const VER_ID = /^ver_([0-9A-HJKMNP-TV-Z]{26})$/;
const UUID = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

/** The otp_id a D7 client sees for verification `verId` (`ver_` + ULID): the ULID's 128 bits written as a UUID. */
export function otpIdOf(verId: string): string {
  const m = VER_ID.exec(verId);
  if (!m) throw new Error(`not a verification id: ${verId.slice(0, 40)}`);
  let n = 0n;
  for (const ch of m[1]!) n = (n << 5n) | BigInt(CROCKFORD.indexOf(ch));
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The verification id an otp_id names, or null when it is not a UUID. Every UUID decodes to some
 * id; one that was never issued (or belongs to another account) is then simply not found.
 */
export function verIdOf(otpId: unknown): string | null {
  if (typeof otpId !== 'string') return null;
  const m = UUID.exec(otpId.trim());
  if (!m) return null;
  let n = BigInt(`0x${m.slice(1).join('')}`);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)]! + out;
    n >>= 5n;
  }
  return `ver_${out}`;
}
