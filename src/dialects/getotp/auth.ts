// GetOTP credentials: an API key (X-OTP-Key, current API) and an API token (Basic key:token, legacy API).
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../core/engine.js';
import type { DialectCredentials } from '../credentials.js';
import type { CredentialOptions, IssuedCredentials } from '../types.js';
import { fail } from './errors.js';
import { randomAlnum } from './ids.js';

const DIALECT = 'getotp';
/** Longer values are never ours: refuse before hashing attacker-sized input. */
const MAX_KEY = 128;

/**
 * One record per issued pair: the API key is its own identifier (stored as a keyed hash), the API
 * token is hashed as a secret. Both look like GetOTP's dashboard values: 32 characters of [a-z0-9].
 */
export function issueGetOtpCredentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials {
  const key = randomAlnum(32);
  const token = randomAlnum(32);
  const record = creds.newRecord(DIALECT, o, { lookup: creds.lookupFor(DIALECT, key), secretHash: creds.hashSecret(DIALECT, token) });
  return {
    records: [record],
    display: [
      ['API Key', key],
      ['API Token', token],
    ],
  };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The caller named by X-OTP-Key, or by HTTP Basic `api_key:api_token`; anything else is GetOTP's 1136. */
export async function authenticate(req: FastifyRequest, creds: DialectCredentials): Promise<Caller> {
  const apiKey = header(req, 'x-otp-key')?.trim();
  if (apiKey) {
    if (apiKey.length > MAX_KEY) throw fail('1136');
    const hit = await creds.find(DIALECT, creds.lookupFor(DIALECT, apiKey));
    if (!hit) throw fail('1136');
    return hit.caller;
  }
  const auth = header(req, 'authorization');
  const m = auth ? /^Basic\s+([A-Za-z0-9+/=]{1,400})\s*$/i.exec(auth) : null;
  if (m) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const pass = colon < 0 ? '' : decoded.slice(colon + 1);
    if (user && pass && user.length <= MAX_KEY && pass.length <= MAX_KEY) {
      const hit = await creds.find(DIALECT, creds.lookupFor(DIALECT, user));
      // The token is compared in constant time; an unknown key and a wrong token answer alike.
      if (hit && creds.secretMatches(hit.credential, pass)) return hit.caller;
    }
  }
  throw fail('1136');
}
