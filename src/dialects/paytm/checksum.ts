// Paytm's checksum (the `paytmchecksum` package's scheme), re-implemented on node:crypto: sign and verify in constant time.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The fixed IV every Paytm checksum library uses. */
const IV = Buffer.from('@@@@&&&&####$$$$', 'latin1');

/** Paytm merchant keys are 16 characters: the AES-128 key itself. */
export const MERCHANT_KEY_LENGTH = 16;

/** sha256(params + "|" + salt) as lowercase hex, followed by the 4-character salt: the text Paytm encrypts. */
function hashWithSalt(params: string, salt: string): string {
  return createHash('sha256').update(`${params}|${salt}`, 'utf8').digest('hex') + salt;
}

function keyBytes(merchantKey: string): Buffer | null {
  const k = Buffer.from(merchantKey, 'utf8');
  return k.length === MERCHANT_KEY_LENGTH ? k : null;
}

/** A checksum over `params` (for JSON APIs: the exact JSON text of the request's `body`), as PaytmChecksum.generateSignature makes it. */
export function signChecksum(params: string, merchantKey: string): string {
  const key = keyBytes(merchantKey);
  if (!key) throw new Error('a Paytm merchant key is 16 bytes');
  // The salt is 3 random bytes in base64: always 4 characters, as in paytmchecksum.
  const salt = randomBytes(3).toString('base64');
  const c = createCipheriv('aes-128-cbc', key, IV);
  return Buffer.concat([c.update(hashWithSalt(params, salt), 'latin1'), c.final()]).toString('base64');
}

/**
 * True when `checksum` is a valid Paytm checksum of `params` under `merchantKey`: decrypt, take the
 * salt from the last 4 characters, recompute, compare in constant time. Any malformed input is false.
 */
export function verifyChecksum(params: string, merchantKey: string, checksum: string): boolean {
  const key = keyBytes(merchantKey);
  // Base64 of whole AES blocks: the 68-character hash+salt encrypts to 80 bytes (108 base64 characters).
  if (!key || checksum.length > 256 || !/^[A-Za-z0-9+/]+={0,2}$/.test(checksum)) return false;
  const encrypted = Buffer.from(checksum, 'base64');
  if (encrypted.length === 0 || encrypted.length % 16 !== 0) return false;
  let decrypted: Buffer;
  try {
    const d = createDecipheriv('aes-128-cbc', key, IV);
    decrypted = Buffer.concat([d.update(encrypted), d.final()]);
  } catch {
    // Bad padding: almost always a checksum made with another key.
    return false;
  }
  if (decrypted.length < 5) return false;
  const salt = decrypted.subarray(decrypted.length - 4).toString('latin1');
  const expected = Buffer.from(hashWithSalt(params, salt), 'latin1');
  return expected.length === decrypted.length && timingSafeEqual(expected, decrypted);
}
