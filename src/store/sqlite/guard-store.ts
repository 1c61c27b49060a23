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
    /** Like `s`, for statements in raw mode (rows as arrays), cached apart from `s`'s. */
    private readonly raw: (sql: string) => Database.Statement,
  ) {
    this.hitTx = (hits: CounterHit[]) => {
      // Every add first (in the merged order: sorted by key, so every batch takes its rows in the same
      // order), then one read per distinct key covering every window its hits look at. A key's hits are
      // one row it adds to and the spans summing it (the recipient's 10 minutes, hour and day), so one
      // range read answers them all; the counts are what each hit would have read after every add.
      // Read back rather than RETURNed: SQLite opens a temporary B-tree for every run of a RETURNING statement.
      const add = this.s(
        `INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key, window_start) DO UPDATE SET count = count + excluded.count`,
      );
      for (const h of hits) if (h.from === undefined && h.add !== 0) add.run(h.key, h.windowStart, h.add, h.expiresAt);
      const byKey = new Map<string, number[]>();
      hits.forEach((h, i) => {
        const at = byKey.get(h.key);
        if (at) at.push(i);
        else byKey.set(h.key, [i]);
      });
      const range = this.rangeRead();
      const counts = new Array<number>(hits.length).fill(0);
      for (const [key, at] of byKey) {
        let from = Infinity;
        let to = -Infinity;
        for (const i of at) {
          from = Math.min(from, hits[i]!.from ?? hits[i]!.windowStart);
          to = Math.max(to, hits[i]!.windowStart);
        }
        const rows = range.all(key, from, to) as Array<[Num, Num]>;
        for (const i of at) {
          // A peek (no span) reads its own window; a span sums the windows it covers.
          const h = hits[i]!;
          const lo = h.from ?? h.windowStart;
          for (const [w, n] of rows) if (num(w) >= lo && num(w) <= h.windowStart) counts[i]! += num(n);
        }
      }
      return counts;
    };
  }

  /** The windows of one key between two starts, as [window_start, count] arrays. */
  private rangeRead(): Database.Statement {
    return this.raw('SELECT window_start, count FROM rate_counters WHERE key = ? AND window_start >= ? AND window_start <= ?');
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
