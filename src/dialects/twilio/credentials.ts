// Twilio-shaped credentials: an Account SID with its Auth Token, and an API key (SK…) with its secret; both hashed at rest.
import { randomInt } from 'node:crypto';
import { DialectCredentials } from '../credentials.js';
import type { CredentialOptions, IssuedCredentials } from '../types.js';
import { DIALECT } from './services.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 32 random alphanumerics, the shape of a Twilio API key secret (~190 bits). */
function keySecret(): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += BASE62[randomInt(BASE62.length)];
  return s;
}

/** Two records: the Account SID (password: Auth Token) and an API key (password: its secret), both naming the Account SID. */
export function issueTwilioCredentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials {
  const accountSid = `AC${DialectCredentials.hex(16)}`;
  const authToken = DialectCredentials.hex(16);
  const apiKeySid = `SK${DialectCredentials.hex(16)}`;
  const apiKeySecret = keySecret();
  return {
    records: [
      creds.newRecord(DIALECT, o, { lookup: accountSid, secretHash: creds.hashSecret(DIALECT, authToken), extra: { accountSid, kind: 'auth_token' } }),
      creds.newRecord(DIALECT, o, { lookup: apiKeySid, secretHash: creds.hashSecret(DIALECT, apiKeySecret), extra: { accountSid, kind: 'api_key' } }),
    ],
    display: [
      ['Account SID', accountSid],
      ['Auth Token', authToken],
      ['API Key SID', apiKeySid],
      ['API Key Secret', apiKeySecret],
    ],
  };
}
