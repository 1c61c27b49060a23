// PostgreSQL implementation of the store contract (node-postgres): the same atomic primitives, safe across nodes.
import pg from 'pg';
import type { AccountSettings } from '../../core/account-settings.js';
import { OtpError } from '../../core/errors.js';
import type { Account, ApiKeyRecord, Channel, SendStatus, TemplateRecord, VerificationRecord } from '../../core/types.js';
import { CHECKED_COLUMNS, fromVerification, toAccount, toApiKey, toSend, toSigningKey, toTemplate, toVerification, type SendRow, type VerificationRow } from '../rows.js';
import type { AttemptResult, CheckCandidate, DeliveryJob, ReceiptResult, IdempotencyInput, InsertResult, NewSend, SendResult, SigningKeyRecord, Store, Transition } from '../types.js';
import { PostgresDialectStore } from './dialect-store.js';
import { PostgresGuardStore } from './guard-store.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { PostgresWebhookStore } from './webhook-store.js';
import { checkable, checkSet, countedCheck, withoutCode } from '../check-statement.js';
import { TurnBatch } from '../turn-batch.js';

type Q = pg.Pool | pg.PoolClient;

interface PendingInsert {
  v: VerificationRecord;
  send: NewSend;
  now: number;
}
interface PendingAttempt {
  accountId: string;
  id: string;
  now: number;
  candidate: CheckCandidate;
}
type Row = Record<string, unknown>;

/** One check: count, compare and transition ($1 now, $2 id, $3 account, $4 the candidate's hash). */
const CHECK_ONE = `UPDATE verifications SET ${checkSet('$1', '$4')} WHERE id = $2 AND account_id = $3 AND ${checkable('$1')} RETURNING ${CHECKED_COLUMNS}`;
/** A verification without its code material, as a check answers it (see `Store.attempt`). */
const SELECT_CHECKED_BY_ID = `SELECT ${CHECKED_COLUMNS} FROM verifications WHERE id = $1 AND account_id = $2`;
/** The turn's checks (see attemptMany); the candidate's hash is named apart from the row's code_hash. */
const CHECK_MANY = `WITH c AS (
    SELECT o, id, account_id, decode(code_hash, 'hex') AS candidate, now
    FROM jsonb_to_recordset($1::jsonb) AS t(o int, id text, account_id text, code_hash text, now bigint)
  )
  UPDATE verifications v SET ${checkSet('c.now', 'c.candidate')}
  FROM c
  WHERE v.id = c.id AND v.account_id = c.account_id AND ${checkable('c.now')}
  RETURNING c.o, to_jsonb(v) - 'code_hash' - 'code_sealed' AS r`;

/** Arbitrary constant naming otpd's migration lock. */
const MIGRATION_LOCK = 0x6f747064;
const V_COLS =
  'id, account_id, to_addr, channel, status, code_hash, code_sealed, code_type, code_length, attempts, max_attempts, send_count, max_sends, last_sent_at, created_at, updated_at, expires_at, locale, template_id, sender, reference, metadata, sandbox, app_name, message, payload';

export interface PostgresOptions {
  /** Schema to work in (search_path); tests use one per run. */
  schema?: string;
  max?: number;
  /** Bound on every statement, so an outage answers 503 instead of hanging. */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Seconds a connection serves before it is replaced, so its cached plans are made again (see PLAN_LIFETIME_SECONDS); 0: never. */
  connectionLifetimeSeconds?: number;
}

/**
 * How long a connection, and with it the plans it cached for otpd's prepared statements, lives. PostgreSQL
 * plans a prepared statement once for good after five runs and makes the plan again only when the table's
 * statistics change. A node that starts on an empty table plans the batched check as a hash join over every
 * pending verification, which is right for ten rows; when no ANALYZE follows (autovacuum off, or before its
 * first run) that plan stays while the table grows, and reads every pending row and dead index entry on
 * each batch. A fresh connection plans against the table as it is now; a minute bounds how stale a plan gets,
 * for the cost of a reconnect a minute per connection.
 */
const PLAN_LIFETIME_SECONDS = 60;

/**
 * A provider's error text as PostgreSQL can store it: lone UTF-16 surrogates (a text cut mid-character)
 * become U+FFFD, as node-pg's encoding of a text parameter makes them, which PostgreSQL's JSON parser
 * would refuse instead; NUL, which no PostgreSQL text can hold, is dropped. A refused update would leave
 * the send leased, to be delivered again when the lease runs out.
 */
function storableText(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD').replace(/\u0000/g, '');
}

/** One delivery outcome for updateSends. */
interface SendUpdate {
  id: number;
  status: SendStatus;
  provider: string | null;
  error: string | null;
  next: number;
  now: number;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly dialects: PostgresDialectStore;
  readonly webhooks: PostgresWebhookStore;
  readonly guard: PostgresGuardStore;
  private readonly pool: pg.Pool;

  /**
   * Rate counters on connections with `synchronous_commit = off`. Every create bumps a few rows that
   * all creates share (the account's daily count, the destination prefix's hour): with the default,
   * each holds its row lock through a WAL flush, and all creates queue behind one another on those rows.
   * Counters are what a crash of the database server may lose (the last fraction of a second); the
   * verifications, attempts and outbox stay on the synchronous pool.
   */
  private readonly counterPool: pg.Pool;
  /** Creates without an idempotency key, batched per event-loop turn (see insertMany). */
  private readonly inserts = new TurnBatch<PendingInsert, InsertResult | null>(
    (batch) => this.insertMany(batch),
    (b) => this.insertInOneStatement(b.v, b.send, b.now),
  );

  /** Checks with a candidate hash, batched per event-loop turn (see attemptMany). */
  private readonly attempts = new TurnBatch<PendingAttempt, AttemptResult | null>(
    (batch) => this.attemptMany(batch),
    (a) => this.attemptInOneStatement(a.accountId, a.id, a.now, a.candidate),
  );

  /** Outcomes of deliveries, batched per event-loop turn (see updateSends); alone, the plain statement. */
  private readonly sendUpdates = new TurnBatch<SendUpdate, null>(
    (batch) => this.updateSends(batch),
    async (u) => {
      await this.q('UPDATE sends SET status = $1, provider = coalesce($2, provider), error = $3, next_attempt_at = $4, lease_until = 0, updated_at = $5 WHERE id = $6', [
        u.status, u.provider, u.error, u.next, u.now, u.id,
      ]);
      return null;
    },
  );

  constructor(url: string, o: PostgresOptions = {}) {
    const config: pg.PoolConfig = {
      connectionString: url,
      connectionTimeoutMillis: o.connectionTimeoutMs ?? 5_000,
      statement_timeout: o.statementTimeoutMs ?? 5_000,
      // Client-side bound too: a server that vanishes mid-query (a network cut) cannot hold a request forever.
      query_timeout: (o.statementTimeoutMs ?? 5_000) + 1_000,
      ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
      maxLifetimeSeconds: o.connectionLifetimeSeconds ?? PLAN_LIFETIME_SECONDS,
    };
    const max = o.max ?? 10;
    this.pool = new pg.Pool({ ...config, max });
    this.counterPool = new pg.Pool({ ...config, ...withOption(url, config.options, '-c synchronous_commit=off'), max });
    // An idle client losing its server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.counterPool.on('error', () => undefined);
    this.dialects = new PostgresDialectStore((sql, params) => this.q(sql, params));
    this.guard = new PostgresGuardStore((sql, params) => this.q(sql, params), (sql, params) => this.q(sql, params, this.counterPool));
    this.webhooks = new PostgresWebhookStore((sql, params, c) => this.q(sql, params, c), (fn) => this.tx(fn));
  }

  private async q<T = Row>(sql: string, params: unknown[] = [], c: Q = this.pool): Promise<T[]> {
    try {
      return (await c.query({ text: sql, values: params, name: statementName(sql) })).rows as T[];
    } catch (e) {
      // A newer node changed a table this connection has a prepared `SELECT *` for (a rolling upgrade):
      // the server refuses the stale plan; the statement itself is fine, so run it unprepared.
      if ((e as { code?: string }).code === '0A000' && /cached plan/.test(String((e as Error).message))) {
        return (await c.query(sql, params).catch((e2: unknown) => Promise.reject(unavailable(e2)))).rows as T[];
      }
      throw unavailable(e);
    }
  }

  /** Runs `fn` in one transaction; rolls back on any error. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw unavailable(e);
    }
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw unavailable(e);
    } finally {
      c.release();
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      // Transaction-scoped advisory lock: two nodes migrating at once apply each step exactly once.
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS otpd_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM otpd_migrations');
      const current = rows[0]?.v ?? 0;
      if (current > POSTGRES_MIGRATIONS.length) {
        throw new Error(`database schema version ${current} is newer than this otpd (${POSTGRES_MIGRATIONS.length}); upgrade otpd`);
      }
      for (let v = current; v < POSTGRES_MIGRATIONS.length; v++) {
        await c.query(POSTGRES_MIGRATIONS[v]!);
        await c.query('INSERT INTO otpd_migrations (version) VALUES ($1)', [v + 1]);
      }
    });
  }

  async ping(): Promise<void> {
    await this.q('SELECT 1');
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.counterPool.end()]);
  }

  // ---- accounts and keys -------------------------------------------------

  async createAccount(a: Account): Promise<Account> {
    await this.q('INSERT INTO accounts (id, name, app_name, webhook_url, webhook_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      a.id, a.name, a.appName, a.webhookUrl, a.webhookSecretSealed, a.createdAt,
    ]);
    return a;
  }

  async getAccount(id: string): Promise<Account | null> {
    const [r] = await this.q<Parameters<typeof toAccount>[0]>('SELECT * FROM accounts WHERE id = $1', [id]);
    return r ? toAccount(r) : null;
  }

  async findAccountByName(name: string): Promise<Account | null> {
    const [r] = await this.q<Parameters<typeof toAccount>[0]>('SELECT * FROM accounts WHERE name = $1', [name]);
    return r ? toAccount(r) : null;
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.q<Parameters<typeof toAccount>[0]>('SELECT * FROM accounts ORDER BY created_at')).map(toAccount);
  }

  async setAccountWebhook(id: string, url: string | null, secretSealed: Buffer | null): Promise<void> {
    await this.q('UPDATE accounts SET webhook_url = $1, webhook_secret = $2 WHERE id = $3', [url, secretSealed, id]);
  }

  async setAccountSettings(id: string, settings: AccountSettings): Promise<void> {
    await this.q('UPDATE accounts SET settings = $1 WHERE id = $2', [JSON.stringify(settings), id]);
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.q(
      'INSERT INTO api_keys (id, account_id, key_hash, prefix, sandbox, created_at, revoked_at, scopes, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [k.id, k.accountId, k.keyHash, k.prefix, k.sandbox, k.createdAt, k.revokedAt, k.scopes.join(','), k.lastUsedAt],
    );
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    await this.q('UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)', [at, id]);
  }

  async findApiKeyByHash(hash: Buffer): Promise<ApiKeyRecord | null> {
    const [r] = await this.q<Parameters<typeof toApiKey>[0]>('SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
    return r ? toApiKey(r) : null;
  }

  async listApiKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    const rows = accountId
      ? await this.q<Parameters<typeof toApiKey>[0]>('SELECT * FROM api_keys WHERE account_id = $1 ORDER BY created_at', [accountId])
      : await this.q<Parameters<typeof toApiKey>[0]>('SELECT * FROM api_keys ORDER BY created_at');
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    return (await this.q('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [now, id])).length === 1;
  }

  async countApiKeys(accountId: string): Promise<number> {
    const [r] = await this.q<{ n: string }>('SELECT count(*) AS n FROM api_keys WHERE account_id = $1', [accountId]);
    return Number(r!.n);
  }

  // ---- verifications -----------------------------------------------------

  private async insertSend(c: Q, verificationId: string, send: NewSend, now: number): Promise<void> {
    await c.query(
      'INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at) VALUES ($1, $2, NULL, $3, 0, $4, 0, $4, $4)',
      [verificationId, send.channel, send.status, now],
    );
  }

  private async insertIdempotency(c: Q, accountId: string, idem: IdempotencyInput | undefined, verificationId: string): Promise<void> {
    if (!idem) return;
    await c.query(
      `INSERT INTO idempotency_keys (account_id, key, request_hash, verification_id, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, key) DO UPDATE SET request_hash = excluded.request_hash, verification_id = excluded.verification_id, expires_at = excluded.expires_at`,
      [accountId, idem.key, idem.requestHash, verificationId, idem.expiresAt],
    );
  }

  private async sendsOf(verificationId: string, c: Q = this.pool) {
    return (await this.q<SendRow>('SELECT * FROM sends WHERE verification_id = $1 ORDER BY id', [verificationId], c)).map(toSend);
  }

  async insertVerification(v: VerificationRecord, send: NewSend, now: number, idem?: IdempotencyInput): Promise<InsertResult> {
    // Without an idempotency key the common case is one statement (one round trip instead of four);
    // anything unusual (a lapsed pending row to close, a racing insert) falls back to the transaction.
    if (!idem) {
      const fast = await this.inserts.add({ v, send, now });
      if (fast) return fast;
    }
    for (let tries = 0; ; tries++) {
      try {
        return await this.tx(async (c) => {
          if (idem) {
            // Serialises concurrent requests that carry the same key.
            await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${v.accountId}:${idem.key}`]);
            const { rows } = await c.query<{ request_hash: string; verification_id: string }>(
              'SELECT request_hash, verification_id FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND expires_at > $3',
              [v.accountId, idem.key, now],
            );
            if (rows[0]) return { kind: 'idempotent_replay', verificationId: rows[0].verification_id, requestHash: rows[0].request_hash } as const;
          }
          // In one round trip: close a pending row past its expiry (so the one-pending index admits the
          // new one), and find a live pending one. The SELECT sees the rows as before the UPDATE, which
          // is why it filters on expiry itself.
          // The closed rows come back too, so their expiry is announced (the sweep will not see them).
          const { rows: found } = await c.query<VerificationRow & { k: string }>(
            `WITH closed AS (
               UPDATE verifications SET status = 'expired', code_sealed = NULL, updated_at = $3
               WHERE account_id = $1 AND to_addr = $2 AND status = 'pending' AND expires_at <= $3 RETURNING *
             )
             SELECT 'closed' AS k, * FROM closed
             UNION ALL
             (SELECT 'pending' AS k, * FROM verifications WHERE account_id = $1 AND to_addr = $2 AND status = 'pending' AND expires_at > $3 ORDER BY id DESC LIMIT 1)`,
            [v.accountId, v.to, now],
          );
          const expired = found.filter((x) => x.k === 'closed').map(toVerification);
          const pending = found.find((x) => x.k === 'pending');
          if (pending) return { kind: 'pending_exists', record: toVerification(pending), expired } as const;
          const r = fromVerification(v);
          // One round trip for the verification and its first send (the outbox row), which it returns.
          const { rows: sendRows } = await c.query<SendRow>(
            `WITH v AS (
               INSERT INTO verifications (${V_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
               RETURNING id
             )
             INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at)
             SELECT v.id, $27, NULL, $28, 0, $29, 0, $29, $29 FROM v
             RETURNING *`,
            [
              r.id, r.account_id, r.to_addr, r.channel, r.status, r.code_hash, r.code_sealed, r.code_type, r.code_length, r.attempts, r.max_attempts,
              r.send_count, r.max_sends, r.last_sent_at, r.created_at, r.updated_at, r.expires_at, r.locale, r.template_id, r.sender, r.reference,
              v.metadata === null ? null : JSON.stringify(v.metadata), v.sandbox, r.app_name, r.message, r.payload, send.channel, send.status, now,
            ],
          );
          await this.insertIdempotency(c, v.accountId, idem, v.id);
          return { kind: 'created', record: v, sends: sendRows.map(toSend), expired } as const;
        });
      } catch (e) {
        // Another node inserted a pending verification for this recipient first: take that one.
        if (tries < 3 && isUniqueViolation(e)) continue;
        throw e;
      }
    }
  }

  /**
   * The turn's creates in one statement: each finds its recipient's live pending verification, or
   * inserts its verification and first send, as `insertInOneStatement` does for one. Rows travel as one
   * JSON parameter. A create that got neither (its recipient twice in the batch, a lapsed pending row)
   * answers null and takes the transactional path, as does the whole batch on a unique violation.
   */
  private async insertMany(batch: PendingInsert[]): Promise<Array<InsertResult | null>> {
    if (batch.length === 1) return [await this.insertInOneStatement(batch[0]!.v, batch[0]!.send, batch[0]!.now)];
    const input = batch.map(({ v, send, now }, o) => {
      const r = fromVerification(v);
      return { ...r, o, code_hash: r.code_hash.toString('hex'), code_sealed: r.code_sealed?.toString('hex') ?? null, sandbox: v.sandbox, send_channel: send.channel, send_status: send.status, now };
    });
    let rows: Array<{ k: string; o: number; r: Record<string, unknown> }>;
    try {
      rows = await this.q(
        `WITH t AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(o int, id text, account_id text, to_addr text, channel text, status text,
             code_hash text, code_sealed text, code_type text, code_length integer, attempts integer, max_attempts integer, send_count integer,
             max_sends integer, last_sent_at bigint, created_at bigint, updated_at bigint, expires_at bigint, locale text, template_id text,
             sender text, reference text, metadata text, sandbox boolean, app_name text, message text, payload text,
             send_channel text, send_status text, now bigint)
         ), pending AS (
           SELECT DISTINCT ON (t.o) t.o, to_jsonb(p) AS r FROM t
           JOIN verifications p ON p.account_id = t.account_id AND p.to_addr = t.to_addr AND p.status = 'pending' AND p.expires_at > t.now
           ORDER BY t.o, p.id DESC
         ), v AS (
           INSERT INTO verifications (${V_COLS})
           SELECT id, account_id, to_addr, channel, status, decode(code_hash, 'hex'), decode(code_sealed, 'hex'), code_type, code_length, attempts,
             max_attempts, send_count, max_sends, last_sent_at, created_at, updated_at, expires_at, locale, template_id, sender, reference,
             metadata::jsonb, sandbox, app_name, message, payload
           FROM t ORDER BY o
           ON CONFLICT (account_id, to_addr) WHERE status = 'pending' DO NOTHING
           RETURNING id
         ), s AS (
           INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at)
           SELECT v.id, t.send_channel, NULL, t.send_status, 0, t.now, 0, t.now, t.now FROM v JOIN t ON t.id = v.id ORDER BY t.o
           RETURNING *
         )
         SELECT 'pending' AS k, o, r FROM pending
         UNION ALL
         SELECT 'send' AS k, t.o, to_jsonb(s) AS r FROM s JOIN t ON t.id = s.verification_id`,
        [JSON.stringify(input)],
      );
    } catch (e) {
      if (isUniqueViolation(e)) return batch.map(() => null);
      throw e;
    }
    const out: Array<InsertResult | null> = batch.map(() => null);
    for (const row of rows.filter((x) => x.k === 'pending')) {
      out[row.o] = { kind: 'pending_exists', record: toVerification(jsonbVerification(row.r as unknown as VerificationRow)) };
    }
    for (const row of rows.filter((x) => x.k === 'send')) {
      out[row.o] ??= { kind: 'created', record: batch[row.o]!.v, sends: [toSend(row.r as unknown as SendRow)] };
    }
    return out;
  }

  /**
   * Finds a live pending verification for the recipient, or inserts the verification and its first
   * send, in one statement (the one-pending index turns a conflicting insert into nothing). Null when
   * neither happened: a lapsed pending row still in the way, or a create that committed meanwhile;
   * the transactional path sorts both out.
   */
  private async insertInOneStatement(v: VerificationRecord, send: NewSend, now: number): Promise<InsertResult | null> {
    const r = fromVerification(v);
    let rows: Array<{ k: string; r: Record<string, unknown> }>;
    try {
      rows = await this.q(
        `WITH pending AS (
           SELECT * FROM verifications WHERE account_id = $2 AND to_addr = $3 AND status = 'pending' AND expires_at > $29 ORDER BY id DESC LIMIT 1
         ), v AS (
           INSERT INTO verifications (${V_COLS})
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
           ON CONFLICT (account_id, to_addr) WHERE status = 'pending' DO NOTHING
           RETURNING id
         ), s AS (
           INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at)
           SELECT v.id, $27, NULL, $28, 0, $29, 0, $29, $29 FROM v
           RETURNING *
         )
         SELECT 'pending' AS k, to_jsonb(p) AS r FROM pending p
         UNION ALL
         SELECT 'send' AS k, to_jsonb(x) AS r FROM s x`,
        [
          r.id, r.account_id, r.to_addr, r.channel, r.status, r.code_hash, r.code_sealed, r.code_type, r.code_length, r.attempts, r.max_attempts,
          r.send_count, r.max_sends, r.last_sent_at, r.created_at, r.updated_at, r.expires_at, r.locale, r.template_id, r.sender, r.reference,
          v.metadata === null ? null : JSON.stringify(v.metadata), v.sandbox, r.app_name, r.message, r.payload, send.channel, send.status, now,
        ],
      );
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
    const pending = rows.find((x) => x.k === 'pending');
    if (pending) return { kind: 'pending_exists', record: toVerification(jsonbVerification(pending.r as unknown as VerificationRow)) };
    const sent = rows.find((x) => x.k === 'send');
    return sent ? { kind: 'created', record: v, sends: [toSend(sent.r as unknown as SendRow)] } : null;
  }

  async recordSend(accountId: string, id: string, send: NewSend, now: number, cooldownMs: number, idem?: IdempotencyInput): Promise<SendResult> {
    return this.tx(async (c) => {
      const { rows } = await c.query<VerificationRow>(
        `UPDATE verifications SET send_count = send_count + 1, last_sent_at = $1, updated_at = $1, channel = $2
         WHERE id = $3 AND account_id = $4 AND status = 'pending' AND expires_at > $1 AND send_count < max_sends AND last_sent_at + $5 <= $1
         RETURNING *`,
        [now, send.channel, id, accountId, cooldownMs],
      );
      if (!rows[0]) return { sent: false, record: await this.current(accountId, id, c) };
      await this.insertSend(c, id, send, now);
      await this.insertIdempotency(c, accountId, idem, id);
      return { sent: true, record: toVerification(rows[0]), sends: await this.sendsOf(id, c) };
    });
  }

  async getVerification(accountId: string, id: string): Promise<VerificationRecord | null> {
    return this.current(accountId, id);
  }

  /** The verification as it is now, on the pool or inside a transaction's client. */
  private async current(accountId: string, id: string, c: Q = this.pool): Promise<VerificationRecord | null> {
    const [r] = await this.q<VerificationRow>('SELECT * FROM verifications WHERE id = $1 AND account_id = $2', [id, accountId], c);
    return r ? toVerification(r) : null;
  }

  /** Like `current`, without the code material: what a check answers (see `Store.attempt`). */
  private async checked(accountId: string, id: string, c: Q = this.pool): Promise<VerificationRecord | null> {
    const [r] = await this.q<VerificationRow>(SELECT_CHECKED_BY_ID, [id, accountId], c);
    return r ? withoutCode(toVerification(r)) : null;
  }

  async findLatestForRecipient(accountId: string, to: string): Promise<VerificationRecord | null> {
    const [r] = await this.q<VerificationRow>(
      "SELECT * FROM verifications WHERE account_id = $1 AND to_addr = $2 ORDER BY (status = 'pending') DESC, id DESC LIMIT 1",
      [accountId, to],
    );
    return r ? toVerification(r) : null;
  }

  async listSends(verificationId: string) {
    return this.sendsOf(verificationId);
  }

  async attempt(
    accountId: string,
    id: string,
    now: number,
    decide: (counted: VerificationRecord) => Transition | null,
    candidate?: CheckCandidate,
  ): Promise<AttemptResult> {
    if (candidate) return (await this.attempts.add({ accountId, id, now, candidate })) ?? this.attemptInOneStatement(accountId, id, now, candidate);
    return this.tx(async (c) => {
      // The UPDATE takes the row lock, so the decision and its transition are applied before any other check sees the row.
      const { rows } = await c.query<VerificationRow>(
        `UPDATE verifications SET attempts = attempts + 1, updated_at = $1
         WHERE id = $2 AND account_id = $3 AND status = 'pending' AND expires_at > $1 AND attempts < max_attempts
         RETURNING *`,
        [now, id, accountId],
      );
      if (!rows[0]) return { counted: false, record: await this.checked(accountId, id, c) };
      const record = toVerification(rows[0]);
      const transition = decide(record);
      if (transition === null) return { counted: true, record: withoutCode(record), transition };
      await c.query("UPDATE verifications SET status = $1, code_sealed = NULL, updated_at = $2 WHERE id = $3 AND status = 'pending'", [transition, now, id]);
      return { counted: true, record: withoutCode({ ...record, status: transition }), transition };
    });
  }

  /**
   * Count, compare and transition in one UPDATE: the row lock orders racing checks exactly as the
   * transaction does, in one round trip instead of four. The rule is `decideCheck`'s: the right code
   * approves (even on the last attempt); a wrong one that spends the last attempt closes it.
   */
  private async attemptInOneStatement(accountId: string, id: string, now: number, candidate: CheckCandidate): Promise<AttemptResult> {
    const [row] = await this.q<VerificationRow>(CHECK_ONE, [now, id, accountId, candidate.codeHash]);
    if (!row) return { counted: false, record: await this.checked(accountId, id) };
    return countedCheck(withoutCode(toVerification(row)));
  }

  /**
   * The turn's checks in one UPDATE, each decided as `attemptInOneStatement` decides. Answers null for a
   * check it leaves to that statement: one not counted (its current row is read there), and the second
   * and later checks of one verification in the batch. An UPDATE … FROM changes a row once however many
   * inputs join it, so those run after the batch, one by one: every check counts, and the attempt cap holds.
   */
  private async attemptMany(batch: PendingAttempt[]): Promise<Array<AttemptResult | null>> {
    if (batch.length === 1) {
      const a = batch[0]!;
      return [await this.attemptInOneStatement(a.accountId, a.id, a.now, a.candidate)];
    }
    const seen = new Set<string>();
    const input: Array<{ o: number; id: string; account_id: string; code_hash: string; now: number }> = [];
    batch.forEach((a, o) => {
      if (seen.has(a.id)) return;
      seen.add(a.id);
      input.push({ o, id: a.id, account_id: a.accountId, code_hash: a.candidate.codeHash.toString('hex'), now: a.now });
    });
    // In id order: the UPDATE locks rows in the order its join meets them, which follows the input (or an
    // index, the same for every node). Two nodes batching checks of the same verifications then lock them
    // in the same order instead of deadlocking; the planner promises no order, so a deadlock stays possible
    // in principle, and then PostgreSQL aborts one statement and TurnBatch runs its checks one by one.
    input.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const rows = await this.q<{ o: number; r: VerificationRow }>(CHECK_MANY, [JSON.stringify(input)]);
    const out: Array<AttemptResult | null> = batch.map(() => null);
    for (const { o, r } of rows) out[o] = countedCheck(withoutCode(toVerification(r)));
    return out;
  }

  async finish(id: string, to: 'approved' | 'max_attempts_reached' | 'canceled' | 'failed', now: number): Promise<boolean> {
    const rows = await this.q("UPDATE verifications SET status = $1, code_sealed = NULL, updated_at = $2 WHERE id = $3 AND status = 'pending' RETURNING id", [to, now, id]);
    return rows.length === 1;
  }

  // ---- outbox ------------------------------------------------------------

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryJob[]> {
    // SKIP LOCKED: concurrent claimers (other nodes) never take the same send.
    const rows = await this.q<SendRow & { v: VerificationRow }>(
      `WITH due AS (
         SELECT id FROM sends WHERE status = 'queued' AND next_attempt_at <= $1 AND lease_until <= $1
         ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE sends s SET lease_until = $1 + $2, attempts = s.attempts + 1, updated_at = $1 FROM due WHERE s.id = due.id RETURNING s.*
       )
       SELECT claimed.*, to_jsonb(v) AS v FROM claimed JOIN verifications v ON v.id = claimed.verification_id`,
      [now, leaseMs, limit],
    );
    return rows.map((r) => ({ send: toSend(r), verification: toVerification(jsonbVerification(r.v)) }));
  }

  async updateSend(id: number, status: SendStatus, now: number, opts: { provider?: string | null; error?: string | null; retryAt?: number }): Promise<void> {
    const error = opts.error == null ? null : storableText(opts.error);
    await this.sendUpdates.add({ id, status, provider: opts.provider ?? null, error, next: opts.retryAt ?? now, now });
  }

  /**
   * The turn's delivery outcomes in one statement and one commit: the worker finishes many sends at
   * once, and each was a round trip and a synchronous commit of its own. Should a send appear twice
   * (its lease ran out mid-delivery and it was claimed again), its updates are merged as running them
   * in call order would leave the row: the last one's values, and the last provider named.
   */
  private async updateSends(ups: SendUpdate[]): Promise<null[]> {
    const byId = new Map<number, SendUpdate>();
    for (const u of ups) {
      const prev = byId.get(u.id);
      byId.set(u.id, prev ? { ...u, provider: u.provider ?? prev.provider } : u);
    }
    await this.q(
      `UPDATE sends s SET status = u.status, provider = coalesce(u.provider, s.provider), error = u.error, next_attempt_at = u.next, lease_until = 0, updated_at = u.now
       FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, status text, provider text, error text, next bigint, now bigint)
       WHERE s.id = u.id`,
      [JSON.stringify([...byId.values()])],
    );
    return ups.map(() => null);
  }

  async recordReceipt(sendId: number, status: 'delivered' | 'undeliverable' | 'failed', now: number, error: string | null): Promise<ReceiptResult | null> {
    const [r] = await this.q<SendRow>(
      "UPDATE sends SET status = $1, error = coalesce($2, error), updated_at = $3 WHERE id = $4 AND status = 'sent' RETURNING *",
      [status, error, now, sendId],
    );
    if (!r) return null;
    const [v] = await this.q<VerificationRow>('SELECT * FROM verifications WHERE id = $1', [r.verification_id]);
    return v ? { send: toSend(r), verification: toVerification(v) } : null;
  }

  // ---- templates ---------------------------------------------------------

  async createTemplate(t: TemplateRecord): Promise<void> {
    await this.q('INSERT INTO templates (id, account_id, channel, locale, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [t.id, t.accountId, t.channel, t.locale, t.body, t.createdAt]);
  }

  async getTemplate(accountId: string, id: string): Promise<TemplateRecord | null> {
    const [r] = await this.q<Parameters<typeof toTemplate>[0]>('SELECT * FROM templates WHERE id = $1 AND account_id = $2', [id, accountId]);
    return r ? toTemplate(r) : null;
  }

  async findTemplate(accountId: string, channel: Channel, locale: string): Promise<TemplateRecord | null> {
    const [r] = await this.q<Parameters<typeof toTemplate>[0]>(
      'SELECT * FROM templates WHERE account_id = $1 AND channel = $2 AND locale = $3 ORDER BY created_at DESC LIMIT 1',
      [accountId, channel, locale],
    );
    return r ? toTemplate(r) : null;
  }

  async listTemplates(accountId: string): Promise<TemplateRecord[]> {
    return (await this.q<Parameters<typeof toTemplate>[0]>('SELECT * FROM templates WHERE account_id = $1 ORDER BY created_at', [accountId])).map(toTemplate);
  }

  async deleteTemplate(accountId: string, id: string): Promise<boolean> {
    return (await this.q('DELETE FROM templates WHERE id = $1 AND account_id = $2 RETURNING id', [id, accountId])).length === 1;
  }

  // ---- signing keys ------------------------------------------------------

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (await this.q<Parameters<typeof toSigningKey>[0]>("SELECT * FROM signing_keys WHERE state != 'retired' ORDER BY created_at DESC")).map(toSigningKey);
  }

  async rotateSigningKey(k: SigningKeyRecord): Promise<void> {
    await this.tx(async (c) => {
      await c.query('LOCK TABLE signing_keys IN EXCLUSIVE MODE');
      await c.query("UPDATE signing_keys SET state = 'retired' WHERE state = 'previous'");
      await c.query("UPDATE signing_keys SET state = 'previous' WHERE state = 'current'");
      await c.query("INSERT INTO signing_keys (kid, alg, public_jwk, private_sealed, created_at, state) VALUES ($1, $2, $3, $4, $5, 'current')", [
        k.kid, k.alg, k.publicJwk, k.privateSealed, k.createdAt,
      ]);
    });
  }

  async purgeVerifications(before: number, limit: number): Promise<number> {
    // SKIP LOCKED: nodes purging at the same time take disjoint batches instead of waiting on each other.
    const rows = await this.q(
      `WITH doomed AS (SELECT id FROM verifications WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       gone_sends AS (DELETE FROM sends WHERE verification_id IN (SELECT id FROM doomed))
       DELETE FROM verifications WHERE id IN (SELECT id FROM doomed) RETURNING 1`,
      [before, limit],
    );
    return rows.length;
  }

  async purgeIdempotency(now: number, limit: number): Promise<number> {
    const rows = await this.q(
      'DELETE FROM idempotency_keys WHERE (account_id, key) IN (SELECT account_id, key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1',
      [now, limit],
    );
    return rows.length;
  }
}

/**
 * Adds a server setting to a connection's startup `options`. node-postgres lets `options` in the URL
 * override the one in the config, so the setting goes wherever the URL's own options are.
 */
function withOption(url: string, configured: string | undefined, option: string): { connectionString: string; options?: string } {
  try {
    const u = new URL(url);
    const inUrl = u.searchParams.get('options');
    if (inUrl !== null) {
      u.searchParams.set('options', `${inUrl} ${option}`);
      return { connectionString: u.toString() };
    }
  } catch {
    // not a URL node-postgres would read options from: the config's options apply
  }
  return { connectionString: url, options: [configured, option].filter(Boolean).join(' ') };
}

const statementNames = new Map<string, string>();
/** Enough for every statement otpd has; SQL texts past it run unnamed rather than grow the map. */
const MAX_NAMED_STATEMENTS = 1_000;

/**
 * A name per distinct SQL text, so each connection parses and plans a statement once and then only
 * binds and executes it (node-postgres prepares a named statement on first use per connection).
 * Planning the CTE statements of the hot path cost the server more than executing them.
 */
function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `otpd_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** to_jsonb(row) turns bytea into '\x…' hex text; restore the buffers. */
function jsonbVerification(j: VerificationRow): VerificationRow {
  const hex = (v: unknown) => (typeof v === 'string' ? Buffer.from(v.slice(2), 'hex') : (v as Buffer | null));
  return { ...j, code_hash: hex(j.code_hash)!, code_sealed: hex(j.code_sealed) };
}

function isUniqueViolation(e: unknown): boolean {
  const c = (e as { cause?: { code?: string }; code?: string }) ?? {};
  return c.code === '23505' || c.cause?.code === '23505';
}

/** Connection-level failures become `store_unavailable`; anything else is a bug and stays as it is. */
function unavailable(e: unknown): unknown {
  if (e instanceof OtpError) return e;
  const code = (e as { code?: string })?.code ?? '';
  const connection = /^(08|57P|53)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) || /timeout|terminat|Connection/i.test(String((e as Error)?.message));
  return connection ? new OtpError('store_unavailable', 'The database is not reachable; retry shortly.', { cause: e, retryAfter: 1 }) : e;
}
