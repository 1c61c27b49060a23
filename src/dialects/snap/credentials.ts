// SNAP credentials: client id (X-PARTNER-ID / X-CLIENT-KEY), sealed client secret, channel id, partner's RSA public key.
import { createHash, createPublicKey, randomInt, randomUUID, type KeyObject } from 'node:crypto';
import { OtpError } from '../../core/errors.js';
import { DialectCredentials } from '../credentials.js';
import type { CredentialOptions, IssuedCredentials } from '../types.js';

const MIN_RSA_BITS = 2048;
const CHANNEL_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function refuse(detail: string): OtpError {
  return new OtpError('invalid_request', `SNAP credentials need the partner's RSA public key (PEM, --public-key FILE): ${detail}`, {
    fields: [{ field: 'public_key', detail }],
  });
}

/** The partner's public key, checked: PEM, RSA, at least 2048 bits, and never a private key. */
export function parsePartnerPublicKey(pem: string | undefined): KeyObject {
  if (pem === undefined || pem.trim() === '') throw refuse('none was given.');
  // createPublicKey would derive a public key from a private one; the private key must not be handed over.
  if (/PRIVATE KEY-----/.test(pem)) throw refuse('that file holds a private key; give the public key (or X.509 certificate) instead.');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw refuse('the file is not a PEM public key or certificate.');
  }
  if (key.asymmetricKeyType !== 'rsa') throw refuse(`it is a ${key.asymmetricKeyType ?? 'non-RSA'} key; SHA256withRSA needs an RSA key.`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw refuse(`the key has ${bits} bits; at least ${MIN_RSA_BITS} are required.`);
  return key;
}

/** A five-character CHANNEL-ID (Finpay's header is String(5); "Finnet will provide this value"). */
function channelId(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += CHANNEL_ALPHABET[randomInt(CHANNEL_ALPHABET.length)];
  return s;
}

/** Issues one credential: lookup = client id; the secret is sealed (the server needs it to check HMACs). */
export function issueSnapCredentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials {
  const key = parsePartnerPublicKey(o.publicKeyPem);
  // Stored as re-exported SPKI, so only public material is kept whatever wrapper (certificate, PKCS#1) came in.
  const spki = key.export({ type: 'spki', format: 'pem' }).toString();
  const fingerprint = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
  const clientId = randomUUID();
  const clientSecret = DialectCredentials.token(32);
  const channel = channelId();
  const record = creds.newRecord('snap', o, {
    lookup: clientId,
    secretSealed: creds.seal(clientSecret),
    extra: { channelId: channel, publicKeyPem: spki, publicKeySha256: fingerprint },
  });
  return {
    records: [record],
    display: [
      ['Client ID (X-PARTNER-ID / X-CLIENT-KEY)', clientId],
      ['Client Secret', clientSecret],
      ['Channel ID (CHANNEL-ID)', channel],
      ['Partner Public Key (SHA-256 of SPKI)', fingerprint],
    ],
  };
}
