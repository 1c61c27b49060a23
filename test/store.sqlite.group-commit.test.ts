// SQLite group commit: answered only after the commit, failures roll back alone, and another connection's write lock is waited out without stalling the event loop.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { isOtpError } from '../src/core/errors.js';
import type { VerificationRecord } from '../src/core/types.js';
import { GroupCommit } from '../src/store/sqlite/group-commit.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const T0 = Date.UTC(2026, 0, 1);

describe('sqlite group commit', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  let other: Database.Database;
  const accountId = 'acc_group';

  const record = (to: string, id = newId('ver', T0)): VerificationRecord => ({
    id, accountId, to, channel: 'sms', status: 'pending', codeHash: Buffer.alloc(32, 1), codeSealed: null, codeType: 'numeric', codeLength: 6,
    attempts: 0, maxAttempts: 5, sendCount: 1, maxSends: 5, lastSentAt: T0, createdAt: T0, updatedAt: T0, expiresAt: T0 + 600_000, locale: 'en',
    templateId: null, sender: null, reference: null, metadata: null, sandbox: true, appName: null, message: null, payload: null,
  });
  const stored = (id: string) => other.prepare('SELECT count(*) AS n FROM verifications WHERE id = ?').get(id) as { n: number };

  async function open(busyTimeoutMs?: number): Promise<void> {
    store = new SqliteStore(path, busyTimeoutMs);
    await store.migrate();
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otpd-group-'));
    path = join(dir, 'otpd.sqlite');
    await open();
    await store.createAccount({ id: accountId, name: 'group', appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
    // A second connection to the same file, as another otpd process (OTPD_WORKERS) or the CLI has.
    other = new Database(path);
  });
  afterEach(async () => {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a write only once it is committed and visible to other connections', async () => {
    const v = record('+14155550101');
    const pending = store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0);
    expect(stored(v.id).n).toBe(0);
    expect((await pending).kind).toBe('created');
    expect(stored(v.id).n).toBe(1);
  });

  it('a failing write in a batch rolls back alone; the others commit', async () => {
    const a = record('+14155550102');
    const clash = record('+14155550103', a.id); // same primary key, another recipient
    const c = record('+14155550104');
    const results = await Promise.allSettled([
      store.insertVerification(a, { channel: 'sms', status: 'sandbox' }, T0),
      store.insertVerification(clash, { channel: 'sms', status: 'sandbox' }, T0),
      store.insertVerification(c, { channel: 'sms', status: 'sandbox' }, T0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(stored(a.id).n).toBe(1);
    expect(stored(c.id).n).toBe(1);
    expect((other.prepare('SELECT to_addr FROM verifications WHERE id = ?').get(a.id) as { to_addr: string }).to_addr).toBe(a.to);
    // The failed write left no send behind either: one send per stored verification.
    expect((other.prepare('SELECT count(*) AS n FROM sends').get() as { n: number }).n).toBe(2);
  });

  it('waits out another connection holding the write lock while the event loop keeps running', async () => {
    other.exec('BEGIN IMMEDIATE');
    const v = record('+14155550105');
    let settled = false;
    const pending = store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0).finally(() => (settled = true));
    // Timers still fire: the batch is retried on later turns, not slept on inside SQLite.
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => ++ticks === 5 && (clearInterval(t), resolve()), 10);
    });
    expect(ticks).toBe(5);
    expect(settled).toBe(false);
    other.exec('COMMIT');
    expect((await pending).kind).toBe('created');
    expect(stored(v.id).n).toBe(1);
  });

  it('gives up after the busy timeout with store_unavailable and writes nothing', async () => {
    await store.close();
    await open(200);
    other.exec('BEGIN IMMEDIATE');
    const v = record('+14155550106');
    const err = await store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0).catch((e: unknown) => e);
    other.exec('COMMIT');
    expect(isOtpError(err) && err.code).toBe('store_unavailable');
    expect(stored(v.id).n).toBe(0);
    // The store is fine afterwards.
    expect((await store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0)).kind).toBe('created');
  });

  it('when SQLite rolls the whole batch back (disk full, I/O error), every write of it fails and none is stored', async () => {
    const db = new Database(join(dir, 'raw.sqlite'));
    db.exec('CREATE TABLE t (x INTEGER)');
    const group = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const results = await Promise.allSettled([
      group.write(() => insert.run(1)),
      // What SQLite does on SQLITE_FULL or SQLITE_IOERR: the transaction is gone when the error arrives.
      group.write(() => {
        db.exec('ROLLBACK');
        throw new Error('disk I/O error');
      }),
      group.write(() => insert.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(0);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it('a write that fails half-way leaves nothing of itself; the writes before and after it commit once, with their own answers', async () => {
    const db = new Database(join(dir, 'raw.sqlite'));
    db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
    const group = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?) RETURNING x');
    const count = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    const results = await Promise.allSettled([
      group.write(() => insert.get(1)),
      group.write(() => insert.get(2)),
      // Writes a row, then fails: its row must go, the others' must stay (not be undone with it, nor written twice).
      group.write(() => {
        insert.run(10);
        throw new Error('refused after writing');
      }),
      group.write(() => insert.get(3)),
      group.write(() => insert.get(1)), // a primary-key clash with the first write of the batch
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(results.slice(0, 2).map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual([{ x: 1 }, { x: 2 }]);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe('refused after writing');
    expect((db.prepare('SELECT x FROM t ORDER BY x').all() as Array<{ x: number }>).map((r) => r.x)).toEqual([1, 2, 3]);
    expect(db.inTransaction).toBe(false);
    // The next batch, without a failure, commits as usual.
    await group.write(() => insert.get(4));
    expect(count()).toBe(4);
    db.close();
  });

  /**
   * A raw WAL database with a table `t`, and a rival connection that takes the write lock right after
   * the first ROLLBACK on it (a batch being undone) and holds it for `holdMs`.
   */
  function rivalAfterUndo(holdMs: number) {
    const db = new Database(join(dir, 'raw.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
    const rival = new Database(join(dir, 'raw.sqlite'));
    const exec = db.exec.bind(db);
    let released: Promise<void> | undefined;
    db.exec = (sql: string) => {
      const r = exec(sql);
      if (sql === 'ROLLBACK' && !released) {
        rival.exec('BEGIN IMMEDIATE');
        released = new Promise((resolve) => setTimeout(() => resolve(void rival.exec('COMMIT')), holdMs));
      }
      return r;
    };
    const insert = db.prepare('INSERT INTO t (x) VALUES (?) RETURNING x');
    const rows = () => (db.prepare('SELECT x FROM t ORDER BY x').all() as Array<{ x: number }>).map((r) => r.x);
    /** Writes 1, a write that stores 10 and then throws (so the batch is undone), and 2. */
    const batchWithFailingWrite = (group: GroupCommit) =>
      Promise.allSettled([
        group.write(() => insert.get(1)),
        group.write(() => {
          insert.run(10);
          throw new Error('refused after writing');
        }),
        group.write(() => insert.get(2)),
      ]);
    const close = () => {
      rival.close();
      db.close();
    };
    return { db, insert, rows, batchWithFailingWrite, released: () => released, close };
  }

  it('when another connection takes the write lock between undoing a batch and running it again, the rerun waits for it and still isolates the failing write', async () => {
    const t = rivalAfterUndo(30);
    const results = await t.batchWithFailingWrite(new GroupCommit(t.db));
    expect(t.released()).toBeDefined();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(t.rows()).toEqual([1, 2]);
    expect(t.db.inTransaction).toBe(false);
    t.close();
  });

  it('when the rerun of an undone batch cannot get the write lock in time, all of its writes fail with store_unavailable and none is stored; the next batch commits', async () => {
    // The rival keeps the lock past the group commit's 100 ms timeout.
    const t = rivalAfterUndo(300);
    const group = new GroupCommit(t.db, Date.now, 100);
    const results = await t.batchWithFailingWrite(group);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect(isOtpError((r as PromiseRejectedResult).reason) && (r as PromiseRejectedResult).reason.code).toBe('store_unavailable');
    expect(t.db.inTransaction).toBe(false);
    await t.released();
    expect(await group.write(() => t.insert.get(3))).toEqual({ x: 3 });
    expect(t.rows()).toEqual([3]);
    t.close();
  });

  it('counter hits that share a batch with a failing write are counted once, with the counts each caller would have seen', async () => {
    const a = record('+14155550108');
    const hit = (add: number) => ({ key: 'r:acc_group:+14155550108:s10', windowStart: T0, add, expiresAt: T0 + 600_000 });
    const [first, clash, second, third] = await Promise.allSettled([
      store.guard.hit([hit(1)]),
      store.insertVerification(a, { channel: 'sms', status: 'sandbox' }, T0).then(() => store.insertVerification(a, { channel: 'sms', status: 'sandbox' }, T0)),
      store.guard.hit([hit(1)]),
      store.insertVerification(record('+14155550109', a.id), { channel: 'sms', status: 'sandbox' }, T0), // same id: fails in the first batch
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: [1] });
    expect(second).toEqual({ status: 'fulfilled', value: [2] });
    expect(third!.status).toBe('rejected');
    expect(clash!.status).toBe('fulfilled');
    expect(await store.guard.hit([hit(0)])).toEqual([2]);
  });

  it('a write that arrives after close is refused with store_unavailable, not a crash', async () => {
    await store.close();
    const err = await store.insertVerification(record('+14155550107'), { channel: 'sms', status: 'sandbox' }, T0).catch((e: unknown) => e);
    expect(isOtpError(err) && err.code).toBe('store_unavailable');
    await open(); // afterEach closes it again
  });
});
