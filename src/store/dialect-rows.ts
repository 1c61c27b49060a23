// Row <-> record mapping for the dialect tables, shared by the SQL stores.
import type { DialectCredential, DialectState } from './dialect-types.js';
import { bool, num, numOrNull, type Bool, type Num } from './rows.js';

export interface CredentialRow {
  id: string;
  account_id: string;
  dialect: string;
  lookup: string;
  secret_hash: Buffer | null;
  secret_sealed: Buffer | null;
  extra: string;
  sandbox: Bool;
  created_at: Num;
  revoked_at: Num | null;
}

export interface StateRow {
  dialect: string;
  account_id: string;
  kind: string;
  key: string;
  value: string;
  expires_at: Num | null;
}

export function toCredential(r: CredentialRow): DialectCredential {
  return {
    id: r.id,
    accountId: r.account_id,
    dialect: r.dialect,
    lookup: r.lookup,
    secretHash: r.secret_hash,
    secretSealed: r.secret_sealed,
    extra: JSON.parse(r.extra) as Record<string, string>,
    sandbox: bool(r.sandbox),
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

export function toState(r: StateRow): DialectState {
  return { dialect: r.dialect, accountId: r.account_id, kind: r.kind, key: r.key, value: r.value, expiresAt: numOrNull(r.expires_at) };
}

export function credentialParams(c: DialectCredential): unknown[] {
  return [c.id, c.accountId, c.dialect, c.lookup, c.secretHash, c.secretSealed, JSON.stringify(c.extra), c.sandbox, c.createdAt, c.revokedAt];
}
