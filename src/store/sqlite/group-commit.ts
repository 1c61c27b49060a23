// Group commit for SQLite: the writes of one event-loop turn share one transaction and one commit; each is atomic on its own savepoint.
import type Database from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Commits cost more than the statements of a typical request, and every request of a busy server
 * waits for one. Here the first write of a turn opens `BEGIN IMMEDIATE`, later writes in the same
 * turn join it, and the commit runs once the turn's I/O callbacks are done (`setImmediate`). A write
 * is answered only after that commit, so what a caller was told is stored survives a process crash
 * exactly as before. Each write runs in its own savepoint (better-sqlite3 nests `db.transaction`
 * functions that way), so a failing write rolls back alone.
 */
export class GroupCommit {
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(private readonly db: Database.Database) {}

  /** Runs `fn` (synchronous, ideally a `db.transaction` function) in the current group; resolves with its result once the group is committed. */
  async write<T>(fn: () => T): Promise<T> {
    const result = this.now(fn);
    await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    return result;
  }

  /**
   * Runs `fn` in the current group and answers at once, without waiting for the commit: for writes
   * nobody is promised are stored (rate-limit counters), so a request does not wait for two commits.
   */
  now<T>(fn: () => T): T {
    if (!this.db.inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.schedule();
    }
    return fn();
  }

  /** Commits the open group now (before close, or when a caller needs it). */
  flush(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (!this.db.inTransaction) {
      for (const w of waiters) w.resolve();
      return;
    }
    try {
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // the failed commit already ended the transaction
      }
      for (const w of waiters) w.reject(e);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
