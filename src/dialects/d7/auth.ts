// D7 app tokens: an opaque bearer token, stored only as its keyed hash, which is also how it is looked up.
import type { FastifyRequest } from 'fastify';
import { DialectCredentials } from '../credentials.js';
import type { CredentialOptions, IssuedCredentials } from '../types.js';
import { unauthorized } from './errors.js';

const DIALECT = 'd7';
/** A recognisable prefix (secret scanners, support) on 43 characters of randomness (32 bytes). */
const TOKEN_PREFIX = 'otpd_d7_';

/** A fresh API token for `otpd credentials create --dialect d7`; only its keyed hash is stored. */
export function issueD7Credentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials {
  const token = TOKEN_PREFIX + DialectCredentials.token(32);
  const record = creds.newRecord(DIALECT, o, { lookup: creds.lookupFor(DIALECT, token), extra: { label: 'd7 app token' } });
  return { records: [record], display: [['API Token', token]] };
}

/** onRequest hook: `Authorization: Bearer <token>` -> the caller, or D7's 401 for anything else. */
export function d7Auth(creds: DialectCredentials) {
  return async function authenticate(req: FastifyRequest): Promise<void> {
    const h = req.headers.authorization;
    const m = h ? /^Bearer\s+(\S{1,512})\s*$/i.exec(h) : null;
    if (!m) throw unauthorized();
    // The lookup is a keyed hash of the whole token, so finding it is the constant-time check.
    const hit = await creds.find(DIALECT, creds.lookupFor(DIALECT, m[1]!));
    if (!hit) throw unauthorized();
    req.caller = hit.caller;
  };
}
