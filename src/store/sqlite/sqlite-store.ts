// SQLite implementation of the store contract (better-sqlite3, WAL, statements prepared once).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Account, ApiKeyRecord, Channel, SendRecord, SendStatus, TemplateRecord, VerificationRecord } from '../../core/types.js';
import type { AccountSettings } from '../../core/account-settings.js';
import { OtpError } from '../../core/errors.js';
import type { AttemptResult, CheckCandidate, DeliveryJob, ReceiptResult, IdempotencyInput, InsertResult, NewSend, SendResult, SigningKeyRecord, Store, Transition } from '../types.js';
import { SqliteDialectStore } from './dialect-store.js';
import { BACKSTOP_PAGES, Checkpointer } from './checkpointer.js';
import { checkable, checkSet, countedCheck, withoutCode } from '../check-statement.js';
import { GroupCommit, LOCK_WAIT_MS } from './group-commit.js';
import { SqliteGuardStore } from './guard-store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteWebhookStore } from './webhook-store.js';
import { CHECKED_COLUMNS, fromVerification, toAccount, toApiKey, toSend, toSigningKey, toTemplate, toVerification, VERIFICATION_COLUMNS, verificationRowOf, verificationValues, type SendRow, type VerificationRow } from '../rows.js';

const COLUMNS = VERIFICATION_COLUMNS.join(', ');
const SELECT_BY_ID = `SELECT ${COLUMNS} FROM verifications WHERE id = ? AND account_id = ?`;
/** SELECT_BY_ID without the code material, for a check's answer (see `Store.attempt`): each blob read is a Buffer better-sqlite3 makes. */
const SELECT_CHECKED_BY_ID = `SELECT ${CHECKED_COLUMNS} FROM verifications WHERE id = ? AND account_id = ?`;
/**
 * One check: count, compare and transition (see attemptInOneStatement). No RETURNING clause: SQLite
 * buffers RETURNING rows in a temporary B-tree it opens and frees on every run, which costs more than
 * reading the row back by primary key inside the same transaction.
 */
const COUNT_COMPARE_TRANSITION = `UPDATE verifications SET ${checkSet('?', '?')} WHERE id = ? AND account_id = ? AND ${checkable('?')}`;
const INSERT_VERIFICATION = `INSERT INTO verifications (${COLUMNS}) VALUES (${VERIFICATION_COLUMNS.map(() => '?').join(', ')})`;

type Stmt = Database.Statement;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly dialects: SqliteDialectStore;
  readonly webhooks: SqliteWebhookStore;
  readonly guard: SqliteGuardStore;
  /** The hot-path writes share commits; see group-commit.ts. */
  private readonly group: GroupCommit;
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Stmt>();
  private readonly rawCache = new Map<string, Stmt>();
  /** Checkpoints the WAL off the event loop (not for `:memory:`). */
  private readonly checkpointer: Checkpointer | null = null;

  /** Opens (creating if needed) the database file; `:memory:` is accepted for throwaway use. */
  constructor(
    readonly path: string,
    /** How long a write waits for the lock another process holds before it fails with `store_unavailable`. */
    busyTimeoutMs = LOCK_WAIT_MS,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // WAL + synchronous=NORMAL: a committed transaction survives a process crash (kill -9);
    // only an OS crash or power loss can lose the last few commits.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    this.db.pragma('foreign_keys = ON');
    // When a group commit reruns a batch write by write, each write has its own savepoint, so every
    // page it touches is copied to the statement journal first. On disk (the default past 64 KiB) that
    // is two pwrite syscalls per page; in memory it is a memcpy. Nothing durable lives there.
    this.db.pragma('temp_store = MEMORY');
    if (path !== ':memory:') {
      this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      // A WAL that grew past this (a large purge) is cut back once a checkpoint lets it restart.
      this.db.pragma('journal_size_limit = 67108864');
      this.checkpointer = new Checkpointer(path);
    }
    this.group = new GroupCommit(this.db, Date.now, busyTimeoutMs);
    this.dialects = new SqliteDialectStore((sql) => this.s(sql));
    this.webhooks = new SqliteWebhookStore(this.db, (sql) => this.s(sql));
    this.guard = new SqliteGuardStore((sql) => this.s(sql), this.group, (sql) => this.raw(sql));
  }

  /** Like `s`, for statements whose rows come back as arrays (raw mode); kept apart so no caller gets the other mode. */
  private raw(sql: string): Stmt {
    let st = this.rawCache.get(sql);
    if (!st) {
      st = this.db.prepare(sql).raw(true);
      this.rawCache.set(sql, st);
    }
    return st;
  }

  /** A statement prepared once per SQL text and reused for the life of the connection. */
  private s(sql: string): Stmt {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  async migrate(): Promise<void> {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SQLITE_MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this otpd (${SQLITE_MIGRATIONS.length}); upgrade otpd`);
    }
    const apply = this.db.transaction(() => {
      for (let v = current; v < SQLITE_MIGRATIONS.length; v++) {
        this.db.exec(SQLITE_MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
    apply.immediate();
  }

  async ping(): Promise<void> {
    try {
      this.s('SELECT 1').get();
    } catch (e) {
      throw new OtpError('store_unavailable', 'The database is not reachable.', { cause: e });
    }
  }

  async close(): Promise<void> {
    this.group.flush();
    this.db.close();
    await this.checkpointer?.stop();
  }

  // ---- accounts and keys -------------------------------------------------

  async createAccount(a: Account): Promise<Account> {
    this.s('INSERT INTO accounts (id, name, app_name, webhook_url, webhook_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      a.id, a.name, a.appName, a.webhookUrl, a.webhookSecretSealed, a.createdAt,
    );
    return a;
  }

  async getAccount(id: string): Promise<Account | null> {
    const r = this.s('SELECT * FROM accounts WHERE id = ?').get(id) as Parameters<typeof toAccount>[0] | undefined;
    return r ? toAccount(r) : null;
  }

  async findAccountByName(name: string): Promise<Account | null> {
    const r = this.s('SELECT * FROM accounts WHERE name = ?').get(name) as Parameters<typeof toAccount>[0] | undefined;
    return r ? toAccount(r) : null;
  }

  async listAccounts(): Promise<Account[]> {
    return (this.s('SELECT * FROM accounts ORDER BY created_at').all() as Parameters<typeof toAccount>[0][]).map(toAccount);
  }

  async setAccountWebhook(id: string, url: string | null, secretSealed: Buffer | null): Promise<void> {
    this.s('UPDATE accounts SET webhook_url = ?, webhook_secret = ? WHERE id = ?').run(url, secretSealed, id);
  }

  async setAccountSettings(id: string, settings: AccountSettings): Promise<void> {
    this.s('UPDATE accounts SET settings = ? WHERE id = ?').run(JSON.stringify(settings), id);
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    this.s('INSERT INTO api_keys (id, account_id, key_hash, prefix, sandbox, created_at, revoked_at, scopes, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      k.id, k.accountId, k.keyHash, k.prefix, k.sandbox ? 1 : 0, k.createdAt, k.revokedAt, k.scopes.join(','), k.lastUsedAt,
    );
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    this.s('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(at, id, at);
  }

  async findApiKeyByHash(hash: Buffer): Promise<ApiKeyRecord | null> {
    const r = this.s('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL').get(hash) as Parameters<typeof toApiKey>[0] | undefined;
    return r ? toApiKey(r) : null;
  }

  async listApiKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    const rows = accountId
      ? this.s('SELECT * FROM api_keys WHERE account_id = ? ORDER BY created_at').all(accountId)
      : this.s('SELECT * FROM api_keys ORDER BY created_at').all();
    return (rows as Parameters<typeof toApiKey>[0][]).map(toApiKey);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    return this.s('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1;
  }

  async countApiKeys(accountId: string): Promise<number> {
    return (this.s('SELECT count(*) AS n FROM api_keys WHERE account_id = ?').get(accountId) as { n: number }).n;
  }

  // ---- verifications -----------------------------------------------------

  /** Inserts a send and returns it as stored: every column but the id is what was inserted, so nothing is read back (see COUNT_COMPARE_TRANSITION). */
  private insertSend(verificationId: string, send: NewSend, now: number): SendRecord {
    const { lastInsertRowid } = this.s(
      'INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at, error) VALUES (?, ?, NULL, ?, 0, ?, 0, ?, ?, NULL)',
    ).run(verificationId, send.channel, send.status, now, now, now);
    return { id: Number(lastInsertRowid), verificationId, channel: send.channel, provider: null, status: send.status, attempts: 0, createdAt: now, updatedAt: now, error: null };
  }

  private insertIdempotency(accountId: string, idem: IdempotencyInput | undefined, verificationId: string): void {
    if (!idem) return;
    this.s('INSERT OR REPLACE INTO idempotency_keys (account_id, key, request_hash, verification_id, expires_at) VALUES (?, ?, ?, ?, ?)').run(
      accountId, idem.key, idem.requestHash, verificationId, idem.expiresAt,
    );
  }

  private replay(accountId: string, idem: IdempotencyInput | undefined, now: number): InsertResult | null {
    if (!idem) return null;
    const r = this.s('SELECT request_hash, verification_id FROM idempotency_keys WHERE account_id = ? AND key = ? AND expires_at > ?').get(accountId, idem.key, now) as
      | { request_hash: string; verification_id: string }
      | undefined;
    return r ? { kind: 'idempotent_replay', verificationId: r.verification_id, requestHash: r.request_hash } : null;
  }

  private readonly insertTx = (v: VerificationRecord, send: NewSend, now: number, idem?: IdempotencyInput): InsertResult => {
    const replay = this.replay(v.accountId, idem, now);
    if (replay) return replay;
    const pending = this.s(
      "SELECT * FROM verifications WHERE account_id = ? AND to_addr = ? AND status = 'pending' AND expires_at > ? ORDER BY id DESC LIMIT 1",
    ).get(v.accountId, v.to, now) as VerificationRow | undefined;
    if (pending) return { kind: 'pending_exists', record: toVerification(pending) };
    const row = fromVerification(v);
    // Bound by position: better-sqlite3 looks each named parameter up in the object, 5 µs a row here.
    this.s(INSERT_VERIFICATION).run(verificationValues(row));
    // A new verification has exactly one send: the one just inserted, no need to read it back.
    const first = this.insertSend(v.id, send, now);
    this.insertIdempotency(v.accountId, idem, v.id);
    return { kind: 'created', record: v, sends: [first] };
  };

  async insertVerification(v: VerificationRecord, send: NewSend, now: number, idem?: IdempotencyInput): Promise<InsertResult> {
    return this.group.write(() => this.insertTx(v, send, now, idem));
  }

  private readonly sendTx = (accountId: string, id: string, send: NewSend, now: number, cooldownMs: number, idem?: IdempotencyInput): SendResult => {
    const row = this.s(
      `UPDATE verifications SET send_count = send_count + 1, last_sent_at = ?, updated_at = ?, channel = ?
       WHERE id = ? AND account_id = ? AND status = 'pending' AND expires_at > ? AND send_count < max_sends AND last_sent_at + ? <= ?
       RETURNING *`,
    ).get(now, now, send.channel, id, accountId, now, cooldownMs, now) as VerificationRow | undefined;
    if (!row) return { sent: false, record: this.current(accountId, id) };
    this.insertSend(id, send, now);
    this.insertIdempotency(accountId, idem, id);
    return { sent: true, record: toVerification(row), sends: this.sendsOf(id) };
  };

  async recordSend(accountId: string, id: string, send: NewSend, now: number, cooldownMs: number, idem?: IdempotencyInput): Promise<SendResult> {
    return this.group.write(() => this.sendTx(accountId, id, send, now, cooldownMs, idem));
  }

  async getVerification(accountId: string, id: string): Promise<VerificationRecord | null> {
    return this.current(accountId, id);
  }

  /** The verification as it is now, inside or outside a transaction. */
  private current(accountId: string, id: string): VerificationRecord | null {
    const values = this.raw(SELECT_BY_ID).get(id, accountId) as unknown[] | undefined;
    return values ? toVerification(verificationRowOf(values)) : null;
  }

  /** Like `current`, without the code material: what a check answers (see `Store.attempt`). */
  private checked(accountId: string, id: string): VerificationRecord | null {
    const values = this.raw(SELECT_CHECKED_BY_ID).get(id, accountId) as unknown[] | undefined;
    return values ? withoutCode(toVerification(verificationRowOf(values))) : null;
  }

  async findLatestForRecipient(accountId: string, to: string): Promise<VerificationRecord | null> {
    const r = (this.s("SELECT * FROM verifications WHERE account_id = ? AND to_addr = ? AND status = 'pending' ORDER BY id DESC LIMIT 1").get(accountId, to) ??
      this.s('SELECT * FROM verifications WHERE account_id = ? AND to_addr = ? ORDER BY id DESC LIMIT 1').get(accountId, to)) as VerificationRow | undefined;
    return r ? toVerification(r) : null;
  }

  private sendsOf(verificationId: string) {
    return (this.s('SELECT * FROM sends WHERE verification_id = ? ORDER BY id').all(verificationId) as SendRow[]).map(toSend);
  }

  async listSends(verificationId: string) {
    return this.sendsOf(verificationId);
  }

  private readonly attemptTx = (accountId: string, id: string, now: number, decide: (counted: VerificationRecord) => Transition | null): AttemptResult => {
    const row = this.s(
      `UPDATE verifications SET attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND account_id = ? AND status = 'pending' AND expires_at > ? AND attempts < max_attempts
       RETURNING *`,
    ).get(now, id, accountId, now) as VerificationRow | undefined;
    if (!row) return { counted: false, record: this.checked(accountId, id) };
    const record = toVerification(row);
    const transition = decide(record);
    if (transition === null) return { counted: true, record: withoutCode(record), transition };
    this.finishStmt().run(transition, now, id);
    return { counted: true, record: withoutCode({ ...record, status: transition }), transition };
  };

  async attempt(
    accountId: string,
    id: string,
    now: number,
    decide: (counted: VerificationRecord) => Transition | null,
    candidate?: CheckCandidate,
  ): Promise<AttemptResult> {
    if (candidate) return this.group.write(() => this.attemptInOneStatement(accountId, id, now, candidate));
    return this.group.write(() => this.attemptTx(accountId, id, now, decide));
  }

  /** Count, compare and transition in one UPDATE (`checkSet`) instead of an UPDATE, `decide` and another UPDATE. */
  private attemptInOneStatement(accountId: string, id: string, now: number, { codeHash }: CheckCandidate): AttemptResult {
    const counted = this.s(COUNT_COMPARE_TRANSITION).run(now, codeHash, codeHash, id, accountId, now).changes === 1;
    // Read back in the same transaction: what the UPDATE left, as RETURNING would have answered.
    const record = this.checked(accountId, id);
    if (!counted || !record) return { counted: false, record };
    return countedCheck(record);
  }

  private finishStmt(): Stmt {
    return this.s("UPDATE verifications SET status = ?, code_sealed = NULL, updated_at = ? WHERE id = ? AND status = 'pending'");
  }

  async finish(id: string, to: 'approved' | 'max_attempts_reached' | 'canceled' | 'failed', now: number): Promise<boolean> {
    return this.group.write(() => this.finishStmt().run(to, now, id).changes === 1);
  }

  // ---- outbox ------------------------------------------------------------

  private readonly claimTx = (now: number, leaseMs: number, limit: number): DeliveryJob[] => {
    const rows = this.s(
      `UPDATE sends SET lease_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE id IN (SELECT id FROM sends WHERE status = 'queued' AND next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?)
       RETURNING *`,
    ).all(now + leaseMs, now, now, now, limit) as SendRow[];
    const jobs: DeliveryJob[] = [];
    for (const r of rows) {
      const v = this.s('SELECT * FROM verifications WHERE id = ?').get(r.verification_id) as VerificationRow | undefined;
      if (v) jobs.push({ send: toSend(r), verification: toVerification(v) });
    }
    return jobs;
  };

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryJob[]> {
    return this.group.write(() => this.claimTx(now, leaseMs, limit));
  }

  async updateSend(id: number, status: SendStatus, now: number, opts: { provider?: string | null; error?: string | null; retryAt?: number }): Promise<void> {
    await this.group.write(() => this.s('UPDATE sends SET status = ?, provider = coalesce(?, provider), error = ?, next_attempt_at = ?, lease_until = 0, updated_at = ? WHERE id = ?').run(
      status, opts.provider ?? null, opts.error ?? null, opts.retryAt ?? now, now, id,
    ));
  }

  async recordReceipt(sendId: number, status: 'delivered' | 'undeliverable' | 'failed', now: number, error: string | null): Promise<ReceiptResult | null> {
    const r = this.s("UPDATE sends SET status = ?, error = coalesce(?, error), updated_at = ? WHERE id = ? AND status = 'sent' RETURNING *").get(
      status, error, now, sendId,
    ) as SendRow | undefined;
    if (!r) return null;
    const v = this.s('SELECT * FROM verifications WHERE id = ?').get(r.verification_id) as VerificationRow | undefined;
    return v ? { send: toSend(r), verification: toVerification(v) } : null;
  }

  // ---- templates ---------------------------------------------------------

  async createTemplate(t: TemplateRecord): Promise<void> {
    this.s('INSERT INTO templates (id, account_id, channel, locale, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(t.id, t.accountId, t.channel, t.locale, t.body, t.createdAt);
  }

  async getTemplate(accountId: string, id: string): Promise<TemplateRecord | null> {
    const r = this.s('SELECT * FROM templates WHERE id = ? AND account_id = ?').get(id, accountId) as Parameters<typeof toTemplate>[0] | undefined;
    return r ? toTemplate(r) : null;
  }

  async findTemplate(accountId: string, channel: Channel, locale: string): Promise<TemplateRecord | null> {
    const r = this.s('SELECT * FROM templates WHERE account_id = ? AND channel = ? AND locale = ? ORDER BY created_at DESC LIMIT 1').get(accountId, channel, locale) as
      | Parameters<typeof toTemplate>[0]
      | undefined;
    return r ? toTemplate(r) : null;
  }

  async listTemplates(accountId: string): Promise<TemplateRecord[]> {
    return (this.s('SELECT * FROM templates WHERE account_id = ? ORDER BY created_at').all(accountId) as Parameters<typeof toTemplate>[0][]).map(toTemplate);
  }

  async deleteTemplate(accountId: string, id: string): Promise<boolean> {
    return this.s('DELETE FROM templates WHERE id = ? AND account_id = ?').run(id, accountId).changes === 1;
  }

  // ---- signing keys ------------------------------------------------------

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (this.s("SELECT * FROM signing_keys WHERE state != 'retired' ORDER BY created_at DESC").all() as Parameters<typeof toSigningKey>[0][]).map(toSigningKey);
  }

  async rotateSigningKey(k: SigningKeyRecord): Promise<void> {
    this.db
      .transaction(() => {
        this.s("UPDATE signing_keys SET state = 'retired' WHERE state = 'previous'").run();
        this.s("UPDATE signing_keys SET state = 'previous' WHERE state = 'current'").run();
        this.s("INSERT INTO signing_keys (kid, alg, public_jwk, private_sealed, created_at, state) VALUES (?, ?, ?, ?, ?, 'current')").run(
          k.kid, k.alg, k.publicJwk, k.privateSealed, k.createdAt,
        );
      })
      .immediate();
  }

  private readonly purgeTx = (before: number, limit: number): number => {
    // Two set-based statements instead of two per verification: a batch shares the turn's commit with
    // live requests, and 2,000 statement calls made every request of that turn wait 20 ms or more.
    // Both subqueries pick the same rows: the first statement does not touch verifications.
    const doomed = 'SELECT id FROM verifications WHERE expires_at < ? ORDER BY expires_at LIMIT ?';
    this.s(`DELETE FROM sends WHERE verification_id IN (${doomed})`).run(before, limit);
    return this.s(`DELETE FROM verifications WHERE id IN (${doomed})`).run(before, limit).changes;
  };

  async purgeVerifications(before: number, limit: number): Promise<number> {
    return this.group.write(() => this.purgeTx(before, limit));
  }

  async purgeIdempotency(now: number, limit: number): Promise<number> {
    return this.s('DELETE FROM idempotency_keys WHERE (account_id, key) IN (SELECT account_id, key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)').run(now, limit)
      .changes;
  }
}
