// Paytm-shaped credentials: a merchant id (MID, its own lookup) and a 16-character merchant key, sealed because checksums need it in clear.
import { randomInt } from 'node:crypto';
import type { DialectCredentials } from '../credentials.js';
import type { CredentialOptions, IssuedCredentials } from '../types.js';
import { MERCHANT_KEY_LENGTH } from './checksum.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
// Paytm's keys mix letters, digits and a few symbols; these symbols need no quoting in a shell or a .env file.
const KEY_ALPHABET = `${LETTERS}${DIGITS}_@%`;

function pick(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** A MID in Paytm's shape: 6 letters and 14 digits (e.g. "lGfrjN75479275496908"). */
export function newMid(): string {
  return pick(LETTERS, 6) + pick(DIGITS, 14);
}

/** A merchant key: 16 characters, the AES-128 key of the checksum (about 96 bits of entropy). */
export function newMerchantKey(): string {
  return pick(KEY_ALPHABET, MERCHANT_KEY_LENGTH);
}

/** One credential: lookup = the MID, the merchant key sealed. */
export function issuePaytmCredentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials {
  const mid = newMid();
  const key = newMerchantKey();
  const record = creds.newRecord('paytm', o, { lookup: mid, secretSealed: creds.seal(key), extra: { mid } });
  return {
    records: [record],
    display: [
      ['Merchant ID (MID)', mid],
      ['Merchant Key', key],
    ],
  };
}
