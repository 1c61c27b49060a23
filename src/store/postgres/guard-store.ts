// PostgreSQL implementation of the guard store: counters (one round trip for all), prefix statistics and blocks.
import { likeEscape, num, toBlock, type BlockRow, type Num } from '../rows.js';
import { mergeHits } from '../counter-batch.js';
import { TurnBatch } from '../turn-batch.js';
import type { CounterHit, GuardStore, PrefixBlock } from '../guard-types.js';

type Query = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

export class PostgresGuardStore implements GuardStore {
  private readonly batch = new TurnBatch<CounterHit[], number[]>((calls) => this.hitMerged(calls), async (hits) => (await this.hitMerged([hits]))[0]!);

  /** `counters` runs the counter statements (asynchronous commit, see PostgresStore); `q` everything else. */
  constructor(
    private readonly q: Query,
    private readonly counters: Query = q,
  ) {}

  /**
   * The hits of one event-loop turn go to the database together, merged: one round trip, and the
   * counters every create shares (the account's day, the prefix's hour) get one new row version per
   * batch instead of one per request, so concurrent creates queue less on those rows' locks.
   */
  hit(hits: CounterHit[]): Promise<number[]> {
    return hits.length ? this.batch.add(hits) : Promise.resolve([]);
  }

  private async hitMerged(calls: CounterHit[][]): Promise<number[][]> {
    const m = mergeHits(calls);
    return m.split(await this.hitNow(m.merged));
  }

  private async hitNow(hits: CounterHit[]): Promise<number[]> {
    // One statement bumps every counter and reads the peeked ones (add 0) without writing a row version
    // for them. Hits come sorted (mergeHits), so concurrent statements lock shared rows in the same order
    // and cannot deadlock. A span (a hit with `from`) is the sum after the adds: the statement's own
    // snapshot does not see its upserts, so the rows it upserted are summed from what the upsert
    // returned, the others from the snapshot. Each row answers its hit's ordinal (merged hits are
    // distinct counters), so the counts go back in place without matching keys.
    const rows = await this.counters<{ o: Num; count: Num }>(
      `WITH t AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS t(k, w, a, e, f, o)),
       up AS (
         INSERT INTO rate_counters (key, window_start, count, expires_at)
         SELECT k, w, a, e FROM t WHERE a <> 0 ORDER BY o
         ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + excluded.count
         RETURNING key, window_start, count
       )
       SELECT t.o::int AS o, up.count::bigint AS count FROM t JOIN up ON up.key = t.k AND up.window_start = t.w WHERE t.a <> 0 AND t.f IS NULL
       UNION ALL
       SELECT t.o::int, r.count::bigint FROM t JOIN rate_counters r ON r.key = t.k AND r.window_start = t.w WHERE t.a = 0 AND t.f IS NULL
       UNION ALL
       SELECT t.o::int,
         (SELECT coalesce(sum(r.count), 0) FROM rate_counters r
           WHERE r.key = t.k AND r.window_start BETWEEN t.f AND t.w
             AND NOT EXISTS (SELECT 1 FROM up WHERE up.key = r.key AND up.window_start = r.window_start))
         + (SELECT coalesce(sum(up.count), 0) FROM up WHERE up.key = t.k AND up.window_start BETWEEN t.f AND t.w)
       FROM t WHERE t.f IS NOT NULL`,
      [hits.map((h) => h.key), hits.map((h) => h.windowStart), hits.map((h) => h.add), hits.map((h) => h.expiresAt), hits.map((h) => h.from ?? null)],
    );
    // A counter with no row (a peek at an empty window) reads as its add, which is 0.
    const counts = hits.map((h) => h.add);
    for (const r of rows) counts[num(r.o) - 1] = num(r.count);
    return counts;
  }

  async purgeCounters(now: number, limit: number): Promise<number> {
    return (
      await this.q('DELETE FROM rate_counters WHERE (key, window_start) IN (SELECT key, window_start FROM rate_counters WHERE expires_at <= $1 LIMIT $2) RETURNING 1', [
        now, limit,
      ])
    ).length;
  }

  async sumWindows(key: string, fromWindow: number, toWindow: number): Promise<number> {
    const [r] = await this.q<{ n: Num }>('SELECT coalesce(sum(count), 0) AS n FROM rate_counters WHERE key = $1 AND window_start >= $2 AND window_start < $3', [
      key, fromWindow, toWindow,
    ]);
    return num(r!.n);
  }

  async blockPrefix(b: PrefixBlock): Promise<boolean> {
    const rows = await this.q(
      `INSERT INTO prefix_blocks (account_id, prefix, until, reason, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, prefix) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at
       WHERE prefix_blocks.until < excluded.until
       RETURNING 1`,
      [b.accountId, b.prefix, b.until, b.reason, b.createdAt],
    );
    return rows.length === 1;
  }

  async prefixBlock(accountId: string, prefix: string, now: number): Promise<PrefixBlock | null> {
    const [r] = await this.q<BlockRow>('SELECT * FROM prefix_blocks WHERE account_id = $1 AND prefix = $2 AND until > $3', [accountId, prefix, now]);
    return r ? toBlock(r) : null;
  }

  async listPrefixBlocks(now: number): Promise<PrefixBlock[]> {
    return (await this.q<BlockRow>('SELECT * FROM prefix_blocks WHERE until > $1 ORDER BY created_at', [now])).map(toBlock);
  }

  async unblockPrefix(prefix: string, accountId?: string): Promise<number> {
    await this.q("DELETE FROM rate_counters WHERE key = $1 OR ($2::text IS NULL AND key LIKE $3 ESCAPE '\\')", [`ps:${accountId}:${prefix}`, accountId ?? null, `ps:%:${likeEscape(prefix)}`]);
    return (
      accountId
        ? await this.q('DELETE FROM prefix_blocks WHERE prefix = $1 AND account_id = $2 RETURNING 1', [prefix, accountId])
        : await this.q('DELETE FROM prefix_blocks WHERE prefix = $1 RETURNING 1', [prefix])
    ).length;
  }
}
