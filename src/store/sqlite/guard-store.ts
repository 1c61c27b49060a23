// SQLite implementation of the guard store: counters, prefix statistics and prefix blocks.
import type Database from 'better-sqlite3';
import { likeEscape, num, toBlock, type BlockRow, type Num } from '../rows.js';
import type { CounterHit, GuardStore, PrefixBlock } from '../guard-types.js';
import { mergeHits, type MergedHits } from '../counter-batch.js';
import type { GroupCommit } from './group-commit.js';

interface PendingHit {
  hits: CounterHit[];
  resolve: (counts: number[]) => void;
  reject: (e: unknown) => void;
}

export class SqliteGuardStore implements GuardStore {
  /** Applies merged hits inside the group commit's transaction; answers the counts after them. */
  private readonly hitTx: (hits: CounterHit[]) => number[];
  /** Hits waiting for this turn's batch. */
  private pending: PendingHit[] = [];

  constructor(
    private readonly s: (sql: string) => Database.Statement,
    private readonly group: GroupCommit,
  ) {
    this.hitTx = (hits: CounterHit[]) => {
      // The count is read back rather than RETURNed: SQLite opens a temporary B-tree for every run of a
      // RETURNING statement, which costs more than a second look-up of the same row in the transaction.
      const st = this.s(
        `INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key, window_start) DO UPDATE SET count = count + excluded.count`,
      );
      const peek = this.s('SELECT count FROM rate_counters WHERE key = ? AND window_start = ?');
      const sum = this.s('SELECT coalesce(sum(count), 0) AS n FROM rate_counters WHERE key = ? AND window_start >= ? AND window_start <= ?');
      const read = (h: CounterHit): number => (peek.get(h.key, h.windowStart) as { count: number } | undefined)?.count ?? 0;
      // A peek is a read: no row is written for a counter that is only looked at.
      const counts = hits.map((h) => {
        if (h.from !== undefined) return 0;
        if (h.add !== 0) st.run(h.key, h.windowStart, h.add, h.expiresAt);
        return read(h);
      });
      // Spans are summed after every add of the batch, as mergeHits expects.
      hits.forEach((h, i) => {
        if (h.from !== undefined) counts[i] = (sum.get(h.key, h.from, h.windowStart) as { n: number }).n;
      });
      return counts;
    };
  }

  /**
   * Counters join the turn's batch like any write, and the turn's hits are merged into one write: the
   * counters every create shares (the account's day, the prefix's hour) are bumped once per batch.
   */
  hit(hits: CounterHit[]): Promise<number[]> {
    if (!hits.length) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ hits, resolve, reject });
      if (this.pending.length === 1) this.writePending();
    });
  }

  private writePending(): void {
    let calls: PendingHit[] = [];
    let m: MergedHits | undefined;
    this.group
      .write(() => {
        // The hits that came in until the batch ran; taken once, as the group commit may run a write twice.
        if (!m) {
          calls = this.pending;
          this.pending = [];
          m = mergeHits(calls.map((c) => c.hits));
        }
        return m.split(this.hitTx(m.merged));
      })
      .then(
        (per) => calls.forEach((c, i) => c.resolve(per[i]!)),
        (e: unknown) => {
          // The batch failed before this write first ran (no lock, database closed): its callers are still
          // pending. (Refused after running once, in a batch undone for another write's failure: `calls` holds them.)
          if (!calls.length) [calls, this.pending] = [this.pending, []];
          for (const c of calls) c.reject(e);
        },
      );
  }

  async purgeCounters(now: number, limit: number): Promise<number> {
    return this.s('DELETE FROM rate_counters WHERE (key, window_start) IN (SELECT key, window_start FROM rate_counters WHERE expires_at <= ? LIMIT ?)').run(now, limit).changes;
  }

  async sumWindows(key: string, fromWindow: number, toWindow: number): Promise<number> {
    return (this.s('SELECT coalesce(sum(count), 0) AS n FROM rate_counters WHERE key = ? AND window_start >= ? AND window_start < ?').get(key, fromWindow, toWindow) as { n: number }).n;
  }

  async blockPrefix(b: PrefixBlock): Promise<boolean> {
    return (
      this.s(
        `INSERT INTO prefix_blocks (account_id, prefix, until, reason, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, prefix) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at
         WHERE prefix_blocks.until < excluded.until`,
      ).run(b.accountId, b.prefix, b.until, b.reason, b.createdAt).changes === 1
    );
  }

  async prefixBlock(accountId: string, prefix: string, now: number): Promise<PrefixBlock | null> {
    const r = this.s('SELECT * FROM prefix_blocks WHERE account_id = ? AND prefix = ? AND until > ?').get(accountId, prefix, now) as BlockRow | undefined;
    return r ? toBlock(r) : null;
  }

  async listPrefixBlocks(now: number): Promise<PrefixBlock[]> {
    return (this.s('SELECT * FROM prefix_blocks WHERE until > ? ORDER BY created_at').all(now) as BlockRow[]).map(toBlock);
  }

  async unblockPrefix(prefix: string, accountId?: string): Promise<number> {
    this.s('DELETE FROM rate_counters WHERE key = ? OR (? IS NULL AND key LIKE ? ESCAPE \'\\\')').run(`ps:${accountId}:${prefix}`, accountId ?? null, `ps:%:${likeEscape(prefix)}`);
    return accountId
      ? this.s('DELETE FROM prefix_blocks WHERE prefix = ? AND account_id = ?').run(prefix, accountId).changes
      : this.s('DELETE FROM prefix_blocks WHERE prefix = ?').run(prefix).changes;
  }
}
