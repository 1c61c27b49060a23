// Group commit for SQLite: the writes queued in one event-loop turn run together in one short transaction and one commit.
import type Database from 'better-sqlite3';
import { OtpError } from '../../core/errors.js';

interface Outcome {
  ok: boolean;
  v: unknown;
}

interface Pending {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** How long a batch keeps retrying for the write lock held by another process before it gives up. */
export const LOCK_WAIT_MS = 5_000;

/**
 * Commits cost more than the statements of a typical request, and every request of a busy server
 * waits for one. Writes are queued as they come; once the turn's I/O callbacks are done
 * (`setImmediate`) the queue runs in one `BEGIN IMMEDIATE … COMMIT`. A write is answered only after
 * the commit, so what a caller was told is stored survives a process crash.
 *
 * A failing write rolls back alone. The batch runs bare inside its transaction; when a write throws,
 * the transaction is rolled back and the same writes run again at once in a new one, each on a
 * savepoint of its own, so only the failing ones are rolled back. Writes fail rarely (input is checked
 * before it reaches the store), and a savepoint costs on every write it covers: each page touched is
 * copied to the statement journal first, and each savepoint is two more statements. So writes must be
 * safe to run twice: they change nothing but the database before the commit.
 *
 * The write lock is held only while the batch runs, never across other JavaScript, so other
 * processes (the CLI, another otpd on the same file) get their turn quickly. When one holds the lock the
 * batch does not sleep in SQLite's busy handler (that would stall this process's event loop): it
 * tries again on a later turn and keeps serving requests meanwhile.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private waitingSince = 0;
  /** The next batch runs write by write on savepoints: a write of it threw when it ran whole. */
  private isolate = false;
  private readonly lockNoWait: Database.Statement;
  private readonly lockWait: Database.Statement;
  private readonly sp: Record<'write' | 'releaseWrite' | 'undoWrite', Database.Statement>;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
    /** The connection's busy timeout, restored after each attempt at the lock; also how long a batch waits for it. */
    private readonly busyTimeoutMs = LOCK_WAIT_MS,
  ) {
    this.lockNoWait = db.prepare('PRAGMA busy_timeout = 0');
    this.lockWait = db.prepare(`PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    this.sp = {
      write: db.prepare('SAVEPOINT otpd_write'),
      releaseWrite: db.prepare('RELEASE otpd_write'),
      undoWrite: db.prepare('ROLLBACK TO otpd_write'),
    };
  }

  /**
   * Queues `fn` for this turn's batch; resolves with its result once committed. `fn` is synchronous,
   * runs inside the batch's transaction (not a `db.transaction` function of its own), and may run twice.
   */
  write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule(false);
    });
  }

  /** Runs the queued writes now, waiting for the lock if need be (before close). */
  flush(): void {
    this.run(true);
  }

  private schedule(retry: boolean): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A retry waits a little: another process's batch takes a millisecond or so.
    if (retry) setTimeout(() => this.run(false), 1);
    else setImmediate(() => this.run(false));
  }

  private run(block: boolean): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    if (!this.begin(block)) return;
    const batch = this.queue;
    this.queue = [];
    const isolate = this.isolate;
    this.isolate = false;
    let results: Outcome[] | 'again' | 'lost';
    try {
      results = isolate ? this.oneByOne(batch) : this.together(batch);
      if (results === 'lost') return;
      if (results === 'again') {
        // Undone whole; the same writes (and any queued since) run again now, each on its own savepoint.
        this.db.exec('ROLLBACK');
        this.queue = batch.concat(this.queue);
        this.isolate = true;
        this.run(block);
        return;
      }
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // the failure already ended the transaction
      }
      for (const p of batch) p.reject(e);
      return;
    }
    const done = results;
    batch.forEach((p, i) => (done[i]!.ok ? p.resolve(done[i]!.v) : p.reject(done[i]!.v)));
  }

  /** Runs the batch as it is: its results, or 'again' when a write threw (the transaction must then be undone). */
  private together(batch: Pending[]): Outcome[] | 'again' | 'lost' {
    const results: Outcome[] = [];
    try {
      for (const p of batch) results.push({ ok: true, v: p.fn() });
    } catch (e) {
      if (this.lost(batch, e)) return 'lost';
      return 'again';
    }
    return results;
  }

  /** Runs each write of a batch undone once on its own savepoint, so a failing one rolls back alone. */
  private oneByOne(batch: Pending[]): Outcome[] | 'lost' {
    const results: Outcome[] = [];
    for (const p of batch) {
      this.sp.write.run();
      let v: unknown;
      try {
        v = p.fn();
      } catch (e) {
        if (this.lost(batch, e)) return 'lost';
        this.sp.undoWrite.run();
        this.sp.releaseWrite.run();
        results.push({ ok: false, v: e });
        continue;
      }
      this.sp.releaseWrite.run();
      results.push({ ok: true, v });
    }
    return results;
  }

  /**
   * Some errors (disk full, I/O) make SQLite roll the whole transaction back: nothing of the batch is
   * stored, and no write may run outside a transaction. Then every write of the batch fails with `e`.
   */
  private lost(batch: Pending[], e: unknown): boolean {
    if (this.db.inTransaction) return false;
    for (const q of batch) q.reject(e);
    return true;
  }

  /** Opens the batch's transaction; false when it could not (a retry is scheduled, or the batch was refused). */
  private begin(block: boolean): boolean {
    try {
      if (!block) this.lockNoWait.run();
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } finally {
        if (!block) this.lockWait.run();
      }
      this.waitingSince = 0;
      return true;
    } catch (e) {
      // Never thrown past here: this runs from a timer, where a throw would end the process.
      try {
        if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // nothing more to undo
      }
      const t = this.now();
      if (this.waitingSince === 0) this.waitingSince = t;
      if (!block && (e as { code?: string }).code === 'SQLITE_BUSY' && t - this.waitingSince < this.busyTimeoutMs) {
        this.schedule(true);
        return false;
      }
      this.waitingSince = 0;
      // Whatever was to run write by write is refused with the rest; the next batch runs whole again.
      this.isolate = false;
      const batch = this.queue;
      this.queue = [];
      const refusal = new OtpError('store_unavailable', 'The database is busy or closed; retry shortly.', { cause: e, retryAfter: 1 });
      for (const p of batch) p.reject(refusal);
      return false;
    }
  }
}
