// Eko-shaped credentials: a developer_key (looked up by keyed hash), a sealed access_key, and an initiator_id.
import { randomInt, randomUUID } from 'node:crypto';
import { DialectCredentials } from '../credentials.js';
import type { CredentialOptions, IssuedCredentials } from '../types.js';
import { DIALECT } from './auth.js';

/** A 10-digit initiator_id in the shape of Eko's (a registered Indian mobile number); it is an identifier, never messaged. */
function newInitiatorId(): string {
  return `${randomInt(6, 10)}${randomInt(0, 1_000_000_000).toString().padStart(9, '0')}`;
}

/**
 * developer_key: 32 hex characters like Eko's, stored only as its keyed hash (it names the credential).
 * access_key: a random UUID like Eko's, sealed, because checking a secret-key needs it in clear.
 */
export function issueEkoCredentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials {
  const developerKey = DialectCredentials.hex(16);
  const accessKey = randomUUID();
  const initiatorId = newInitiatorId();
  const record = creds.newRecord(DIALECT, o, {
    lookup: creds.lookupFor(DIALECT, developerKey),
    secretSealed: creds.seal(accessKey),
    extra: { initiator_id: initiatorId },
  });
  return {
    records: [record],
    display: [
      ['developer_key', developerKey],
      ['access_key', accessKey],
      ['initiator_id', initiatorId],
    ],
  };
}
