// PostgreSQL implementation of the dialect store: credentials and keyed dialect state.
import type { DialectCredential, DialectState, DialectStore } from '../dialect-types.js';
import { credentialParams, toCredential, toState, type CredentialRow, type StateRow } from '../dialect-rows.js';

type Query = <T>(sql: string, params?: unknown[]) => Promise<T[]>;
const LIVE = '(expires_at IS NULL OR expires_at > $5)';

export class PostgresDialectStore implements DialectStore {
  constructor(private readonly q: Query) {}

  async createCredential(c: DialectCredential): Promise<void> {
    await this.q(
      'INSERT INTO dialect_credentials (id, account_id, dialect, lookup, secret_hash, secret_sealed, extra, sandbox, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      credentialParams(c),
    );
  }

  async findCredential(dialect: string, lookup: string): Promise<DialectCredential | null> {
    const [r] = await this.q<CredentialRow>('SELECT * FROM dialect_credentials WHERE dialect = $1 AND lookup = $2 AND revoked_at IS NULL', [dialect, lookup]);
    return r ? toCredential(r) : null;
  }

  async listCredentials(accountId?: string): Promise<DialectCredential[]> {
    const rows = accountId
      ? await this.q<CredentialRow>('SELECT * FROM dialect_credentials WHERE account_id = $1 ORDER BY created_at', [accountId])
      : await this.q<CredentialRow>('SELECT * FROM dialect_credentials ORDER BY created_at');
    return rows.map(toCredential);
  }

  async revokeCredential(id: string, now: number): Promise<boolean> {
    return (await this.q('UPDATE dialect_credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [now, id])).length === 1;
  }

  async putStateIfAbsent(e: DialectState, now: number): Promise<boolean> {
    // Upsert that only replaces a dead entry: one statement, so two racing inserts cannot both win.
    const rows = await this.q(
      `INSERT INTO dialect_state (dialect, account_id, kind, key, value, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (dialect, account_id, kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE dialect_state.expires_at IS NOT NULL AND dialect_state.expires_at <= $7
       RETURNING 1`,
      [e.dialect, e.accountId, e.kind, e.key, e.value, e.expiresAt, now],
    );
    return rows.length === 1;
  }

  async putState(e: DialectState): Promise<void> {
    await this.q(
      `INSERT INTO dialect_state (dialect, account_id, kind, key, value, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (dialect, account_id, kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      [e.dialect, e.accountId, e.kind, e.key, e.value, e.expiresAt],
    );
  }

  async getState(dialect: string, accountId: string, kind: string, key: string, now: number): Promise<DialectState | null> {
    const [r] = await this.q<StateRow>(`SELECT * FROM dialect_state WHERE dialect = $1 AND account_id = $2 AND kind = $3 AND key = $4 AND ${LIVE}`, [
      dialect, accountId, kind, key, now,
    ]);
    return r ? toState(r) : null;
  }

  async takeState(dialect: string, accountId: string, kind: string, key: string, now: number): Promise<DialectState | null> {
    const [r] = await this.q<StateRow>(`DELETE FROM dialect_state WHERE dialect = $1 AND account_id = $2 AND kind = $3 AND key = $4 AND ${LIVE} RETURNING *`, [
      dialect, accountId, kind, key, now,
    ]);
    return r ? toState(r) : null;
  }

  async purgeState(now: number, limit: number): Promise<number> {
    const rows = await this.q(
      `DELETE FROM dialect_state WHERE (dialect, account_id, kind, key) IN
       (SELECT dialect, account_id, kind, key FROM dialect_state WHERE expires_at <= $1 LIMIT $2) RETURNING 1`,
      [now, limit],
    );
    return rows.length;
  }
}
