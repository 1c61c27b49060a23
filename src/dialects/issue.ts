// Issues and stores a dialect's vendor-shaped credentials for an account (the CLI and tests share this).
import type { Clock } from '../core/clock.js';
import { OtpError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import type { DialectCredentials } from './credentials.js';
import { DIALECT_NAMES, type DialectName } from './names.js';
import { DIALECTS } from './registry.js';
import type { IssuedCredentials } from './types.js';

export async function issueDialectCredentials(
  store: Store,
  creds: DialectCredentials,
  clock: Clock,
  dialect: string,
  accountName: string,
  opts: { sandbox?: boolean; publicKeyPem?: string } = {},
): Promise<IssuedCredentials> {
  if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) {
    throw new OtpError('invalid_request', `Unknown dialect '${dialect}'; known: ${DIALECT_NAMES.join(', ')}.`);
  }
  const account = await store.findAccountByName(accountName);
  if (!account) throw new OtpError('not_found', `No account named '${accountName}'.`);
  const issued = DIALECTS[dialect as DialectName].issueCredentials({ account, sandbox: opts.sandbox ?? false, publicKeyPem: opts.publicKeyPem, now: clock.now() }, creds);
  for (const r of issued.records) await store.dialects.createCredential(r);
  return issued;
}
