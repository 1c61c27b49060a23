// Group commit for SQLite: the writes queued in one event-loop turn run together in one short transaction and one commit.
import type Database from 'better-sqlite3';
import { OtpError } from '../../core/errors.js';

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
 * (`setImmediate`) the queue runs in one `BEGIN IMMEDIATE … COMMIT`, each write on its own savepoint
 * (better-sqlite3 nests `db.transaction` functions that way), so a failing write rolls back alone.
 * A write is answered only after the commit, so what a caller was told is stored survives a process
 * crash.
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
  private readonly lockNoWait: Database.Statement;
  private readonly lockWait: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
    /** The connection's busy timeout, restored after each attempt at the lock; also how long a batch waits for it. */
    private readonly busyTimeoutMs = LOCK_WAIT_MS,
  ) {
    this.lockNoWait = db.prepare('PRAGMA busy_timeout = 0');
    this.lockWait = db.prepare(`PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  }

  /** Queues `fn` (synchronous, ideally a `db.transaction` function) for this turn's batch; resolves with its result once committed. */
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
    const results: Array<{ ok: boolean; v: unknown }> = [];
    for (const p of batch) {
      try {
        results.push({ ok: true, v: p.fn() });
      } catch (e) {
        results.push({ ok: false, v: e });
        // Some errors (disk full, I/O) make SQLite roll the whole transaction back: nothing of the
        // batch is stored, and the writes after it must not run outside a transaction.
        if (!this.db.inTransaction) {
          for (const q of batch) q.reject(e);
          return;
        }
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // the failed commit already ended the transaction
      }
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => (results[i]!.ok ? p.resolve(results[i]!.v) : p.reject(results[i]!.v)));
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
      const batch = this.queue;
      this.queue = [];
      const refusal = new OtpError('store_unavailable', 'The database is busy or closed; retry shortly.', { cause: e, retryAfter: 1 });
      for (const p of batch) p.reject(refusal);
      return false;
    }
  }
}
