// SQLite implementation of the dialect store: credentials and keyed dialect state.
import type Database from 'better-sqlite3';
import type { DialectCredential, DialectState, DialectStore } from '../dialect-types.js';
import { credentialParams, toCredential, toState, type CredentialRow, type StateRow } from '../dialect-rows.js';

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

export class SqliteDialectStore implements DialectStore {
  constructor(private readonly s: (sql: string) => Database.Statement) {}

  async createCredential(c: DialectCredential): Promise<void> {
    const p = credentialParams(c);
    p[7] = c.sandbox ? 1 : 0;
    this.s(
      'INSERT INTO dialect_credentials (id, account_id, dialect, lookup, secret_hash, secret_sealed, extra, sandbox, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(...p);
  }

  async findCredential(dialect: string, lookup: string): Promise<DialectCredential | null> {
    const r = this.s('SELECT * FROM dialect_credentials WHERE dialect = ? AND lookup = ? AND revoked_at IS NULL').get(dialect, lookup) as CredentialRow | undefined;
    return r ? toCredential(r) : null;
  }

  async listCredentials(accountId?: string): Promise<DialectCredential[]> {
    const rows = (accountId
      ? this.s('SELECT * FROM dialect_credentials WHERE account_id = ? ORDER BY created_at').all(accountId)
      : this.s('SELECT * FROM dialect_credentials ORDER BY created_at').all()) as CredentialRow[];
    return rows.map(toCredential);
  }

  async revokeCredential(id: string, now: number): Promise<boolean> {
    return this.s('UPDATE dialect_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1;
  }

  async putStateIfAbsent(e: DialectState, now: number): Promise<boolean> {
    // Upsert that only replaces a dead entry: one statement, so two racing inserts cannot both win.
    const r = this.s(
      `INSERT INTO dialect_state (dialect, account_id, kind, key, value, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (dialect, account_id, kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE dialect_state.expires_at IS NOT NULL AND dialect_state.expires_at <= ?`,
    ).run(e.dialect, e.accountId, e.kind, e.key, e.value, e.expiresAt, now);
    return r.changes === 1;
  }

  async putState(e: DialectState): Promise<void> {
    this.s(
      `INSERT INTO dialect_state (dialect, account_id, kind, key, value, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (dialect, account_id, kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ).run(e.dialect, e.accountId, e.kind, e.key, e.value, e.expiresAt);
  }

  async getState(dialect: string, accountId: string, kind: string, key: string, now: number): Promise<DialectState | null> {
    const r = this.s(`SELECT * FROM dialect_state WHERE dialect = ? AND account_id = ? AND kind = ? AND key = ? AND ${LIVE}`).get(dialect, accountId, kind, key, now) as
      | StateRow
      | undefined;
    return r ? toState(r) : null;
  }

  async takeState(dialect: string, accountId: string, kind: string, key: string, now: number): Promise<DialectState | null> {
    const r = this.s(`DELETE FROM dialect_state WHERE dialect = ? AND account_id = ? AND kind = ? AND key = ? AND ${LIVE} RETURNING *`).get(
      dialect, accountId, kind, key, now,
    ) as StateRow | undefined;
    return r ? toState(r) : null;
  }

  async purgeState(now: number, limit: number): Promise<number> {
    return this.s(`DELETE FROM dialect_state WHERE (dialect, account_id, kind, key) IN
       (SELECT dialect, account_id, kind, key FROM dialect_state WHERE expires_at <= ? LIMIT ?)`).run(now, limit).changes;
  }
}
