// Runs the store conformance suite against a real PostgreSQL, each case in a schema of its own.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
import type { VerificationRecord } from '../src/core/types.js';
import { PostgresStore, type PostgresOptions } from '../src/store/postgres/postgres-store.js';
import { freshSchema, postgresAvailable, POSTGRES_URL } from './helpers/postgres.js';
import { storeConformance } from './store/conformance.js';

if (postgresAvailable('store conformance: postgres')) {
  storeConformance('postgres', async () => {
    const { schema, drop } = await freshSchema();
    return { store: new PostgresStore(POSTGRES_URL!, { schema, max: 30 }), cleanup: drop };
  });
} else {
  describe.skip('store conformance: postgres (OTPD_TEST_POSTGRES_URL not set)', () => undefined);
}

describe.runIf(Boolean(POSTGRES_URL))('postgres migrations', () => {
  it('two nodes migrating one fresh schema at once apply every step exactly once', async () => {
    const { schema, drop } = await freshSchema();
    const a = new PostgresStore(POSTGRES_URL!, { schema });
    const b = new PostgresStore(POSTGRES_URL!, { schema });
    try {
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      const { rows } = await c.query(`SELECT version FROM ${schema}.otpd_migrations ORDER BY version`);
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });
});

describe.runIf(Boolean(POSTGRES_URL))('postgres statements and counters', () => {
  const T0 = Date.UTC(2026, 0, 1);

  async function opened(o: PostgresOptions = {}): Promise<{ store: PostgresStore; url: string; drop: () => Promise<void> }> {
    const { url, drop } = await freshSchema();
    const store = new PostgresStore(url, o);
    await store.migrate();
    return { store, url, drop };
  }

  /** A pending sandbox verification with one send, as the engine would hand the store one. */
  const pending = (over: Pick<VerificationRecord, 'id' | 'accountId' | 'to'> & Partial<VerificationRecord>): VerificationRecord => ({
    channel: 'sms', status: 'pending', codeHash: Buffer.alloc(32, 1), codeSealed: null, codeType: 'numeric', codeLength: 6, attempts: 0,
    maxAttempts: 5, sendCount: 1, maxSends: 3, lastSentAt: T0, createdAt: T0, updatedAt: T0, expiresAt: T0 + 600_000, locale: 'en',
    templateId: null, sender: null, reference: null, metadata: null, sandbox: true, appName: null, message: null, payload: null,
    ...over,
  });

  it('a peeked counter writes no row; bumped ones do, and read back their sums', async () => {
    const { store, url, drop } = await opened();
    try {
      const hits = [
        { key: 'peek:only', windowStart: T0, expiresAt: T0 + 60_000, add: 0 },
        { key: 'bump:a', windowStart: T0, expiresAt: T0 + 60_000, add: 2 },
      ];
      expect(await store.guard.hit(hits)).toEqual([0, 2]);
      expect(await store.guard.hit([{ ...hits[1]!, add: 0 }, { ...hits[1]!, key: 'bump:b', add: 1 }])).toEqual([2, 1]);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query('SELECT key, count FROM rate_counters ORDER BY key');
      await c.end();
      expect(rows).toEqual([
        { key: 'bump:a', count: 2 },
        { key: 'bump:b', count: 1 },
      ]);
    } finally {
      await store.close();
      await drop();
    }
  });

  it('counters commit asynchronously; verifications keep synchronous commits', async () => {
    const { store, drop } = await opened();
    try {
      // Reach into the two pools: the setting is per connection and invisible from outside.
      const pools = store as unknown as { pool: pg.Pool; counterPool: pg.Pool };
      expect((await pools.counterPool.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('off');
      expect((await pools.pool.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
    } finally {
      await store.close();
      await drop();
    }
  });

  it('a prepared statement survives a column added by a newer node (rolling upgrade)', async () => {
    const { store, url, drop } = await opened();
    try {
      const accountId = 'acc_rolling';
      await store.createAccount({ id: accountId, name: 'rolling', appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
      expect((await store.getAccount(accountId))?.name).toBe('rolling');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('ALTER TABLE accounts ADD COLUMN added_later text');
      await c.end();
      // The pool's connections prepared `SELECT * FROM accounts` before the change.
      const again = await Promise.all(Array.from({ length: 12 }, () => store.getAccount(accountId)));
      expect(again.every((a) => a?.name === 'rolling')).toBe(true);
    } finally {
      await store.close();
      await drop();
    }
  });
  it('a batch with one value PostgreSQL refuses fails that create and that counter call only', async () => {
    const { store, drop } = await opened();
    try {
      const accountId = 'acc_batch';
      await store.createAccount({ id: accountId, name: 'batch', appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
      const v = (n: number, reference: string | null) => pending({ id: `ver_batch_${n}`, accountId, to: `+1415555080${n}`, codeHash: Buffer.alloc(32, n), reference });
      // The store is below the engine's NUL check, so the value reaches PostgreSQL, which refuses it.
      const results = await Promise.allSettled([1, 2, 3].map((n) => store.insertVerification(v(n, n === 2 ? 'a\u0000b' : 'ok'), { channel: 'sms', status: 'sandbox' }, T0)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.getVerification(accountId, 'ver_batch_1'))?.reference).toBe('ok');
      expect(await store.getVerification(accountId, 'ver_batch_2')).toBeNull();
      const h = (key: string) => ({ key, windowStart: T0, expiresAt: T0 + 60_000, add: 1 });
      const hits = await Promise.allSettled([store.guard.hit([h('shared'), h('own:1')]), store.guard.hit([h('shared'), h('bad\u0000key')]), store.guard.hit([h('shared')])]);
      expect(hits.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store.guard.hit([{ ...h('shared'), add: 0 }])).toEqual([2]);
    } finally {
      await store.close();
      await drop();
    }
  });

  it('a batched check planned on a near-empty table reads by primary key once the table has grown, without ANALYZE', async () => {
    // One connection, replaced after a second: the plan it cached on the small table must not outlive it.
    const { store, url, drop } = await opened({ max: 1, connectionLifetimeSeconds: 1 });
    const admin = new pg.Client({ connectionString: url });
    try {
      const accountId = 'acc_plan';
      await store.createAccount({ id: accountId, name: 'plan', appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
      const ids = Array.from({ length: 20 }, (_, n) => `ver_plan_${String(n).padStart(2, '0')}`);
      for (const [n, id] of ids.entries()) {
        await store.insertVerification(pending({ id, accountId, to: `+1415555${String(1000 + n)}`, maxAttempts: 100 }), { channel: 'sms', status: 'sandbox' }, T0);
      }
      const right = { codeHash: Buffer.alloc(32, 1) };
      const wrong = { codeHash: Buffer.alloc(32, 2) };
      // Two checks in one turn make one batch; past five runs PostgreSQL keeps one plan for the statement.
      const batch = (pair: string[], candidate: { codeHash: Buffer }) => Promise.all(pair.map((id) => store.attempt(accountId, id, T0 + 1, () => null, candidate)));
      for (let i = 0; i < 8; i++) await batch(ids.slice(0, 2), wrong);
      // The table grows with no ANALYZE: 20,000 verifications created and approved leave as many dead
      // entries in the index of pending verifications.
      const loader = new pg.Client({ connectionString: url });
      await loader.connect();
      await loader.query(`INSERT INTO verifications (id, account_id, to_addr, channel, status, code_hash, code_type, code_length, attempts, max_attempts, send_count, max_sends, last_sent_at, created_at, updated_at, expires_at, locale, sandbox)
        SELECT 'ver_bulk_' || g, $1, '+1416' || (2000000 + g), 'sms', 'pending', '\\x00', 'numeric', 6, 0, 5, 1, 3, 0, 0, 0, $2, 'en', true FROM generate_series(1, 20000) g`, [accountId, T0 + 600_000]);
      await loader.query("UPDATE verifications SET status = 'approved' WHERE id LIKE 'ver_bulk_%'");
      // A backend reports its statistics when it exits (an idle one may hold them for seconds): end it, and read them from another.
      await loader.end();
      await admin.connect();
      const stats = async () => {
        const { rows } = await admin.query<{ upd: string; blks: string }>(
          `SELECT (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'verifications'::regclass) AS upd,
                  (SELECT idx_blks_hit + idx_blks_read FROM pg_statio_user_indexes WHERE indexrelid = 'verifications_one_pending'::regclass) AS blks`,
        );
        return { upd: Number(rows[0]!.upd), blks: Number(rows[0]!.blks) };
      };
      // Past the lifetime: the store's first backend has exited, and so reported the warm-up's statistics.
      await new Promise((r) => setTimeout(r, 1_500));
      const before = await stats();
      // Right codes: the approved rows leave the pending index, so only a scan of it would read it.
      for (let i = 2; i < 18; i += 2) expect((await batch(ids.slice(i, i + 2), right)).every((r) => r.counted && r.transition === 'approved')).toBe(true);
      await store.close();
      // Closed, its backend reports on exit; wait until the counts have arrived and stopped moving.
      let after = await stats();
      for (let i = 0, last = -1; i < 50 && (after.upd < before.upd + 16 || after.upd !== last); i++) {
        last = after.upd;
        await new Promise((r) => setTimeout(r, 200));
        after = await stats();
      }
      // The checks' 16 updates are counted (and, had the first connection lived on, its own 16 too).
      expect(after.upd - before.upd).toBeGreaterThanOrEqual(16);
      // A scan of the pending index reads its ~100 pages on each of the 8 batches; primary-key lookups read none.
      expect(after.blks - before.blks).toBeLessThan(20);
    } finally {
      await admin.end().catch(() => undefined);
      await store.close().catch(() => undefined);
      await drop();
    }
  });

  it('a batch of checks locks its verifications in id order, whatever order the checks came in', async () => {
    const { store, url, drop } = await opened();
    const holder = new pg.Client({ connectionString: url });
    const prober = new pg.Client({ connectionString: url });
    try {
      const accountId = 'acc_lockorder';
      await store.createAccount({ id: accountId, name: 'lockorder', appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
      for (const [id, to] of [['ver_lock_a', '+14155550901'], ['ver_lock_b', '+14155550902']] as const) {
        await store.insertVerification(pending({ id, accountId, to }), { channel: 'sms', status: 'sandbox' }, T0);
      }
      await holder.connect();
      await prober.connect();
      // Another node holds the first verification (in id order); the batch lists the second one first.
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM verifications WHERE id = 'ver_lock_a' FOR UPDATE");
      const wrong = { codeHash: Buffer.alloc(32, 2) };
      const batch = Promise.all(['ver_lock_b', 'ver_lock_a'].map((id) => store.attempt(accountId, id, T0 + 1, () => null, wrong)));
      await new Promise((r) => setTimeout(r, 300));
      // Waiting for the first row, the batch holds nothing yet: the second row is free. Locking in the
      // order the checks came would hold it now, and a node checking both in id order would deadlock.
      await prober.query("SELECT 1 FROM verifications WHERE id = 'ver_lock_b' FOR UPDATE NOWAIT");
      await holder.query('ROLLBACK');
      const results = await batch;
      expect(results.map((r) => (r.counted ? r.record.id : null))).toEqual(['ver_lock_b', 'ver_lock_a']);
      expect((await store.getVerification(accountId, 'ver_lock_b'))?.attempts).toBe(1);
    } finally {
      await holder.end();
      await prober.end();
      await store.close();
      await drop();
    }
  });
});
