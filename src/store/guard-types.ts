// The store contract for abuse protection: windowed counters (rate limits and per-prefix statistics) and prefix blocks.

/** One counter to bump: a key within a fixed time window. */
export interface CounterHit {
  key: string;
  /** Start of the window (epoch ms); the counter is separate per window. */
  windowStart: number;
  /** When the counter may be purged. */
  expiresAt: number;
  /** How much to add: 1 to count, 0 to read the count in the same round trip. */
  add: number;
  /**
   * Only with `add` 0: answer the sum of the key's windows starting from `from` through `windowStart`,
   * instead of that one window's count (a longer limit counted in shorter windows: one row a send).
   */
  from?: number;
}

export interface PrefixBlock {
  accountId: string;
  prefix: string;
  until: number;
  reason: string;
  createdAt: number;
}

export interface GuardStore {
  /**
   * Adds `add` to each counter, atomically and in one round trip; returns the counts after, in order (for
   * a hit with `from`, the sum after every add). Hits of one call may share a counter (the guard's waiting
   * approvals ride with a send's own hits): each then gets the count as of its place in the call.
   */
  hit(hits: CounterHit[]): Promise<number[]>;
  /** Sum of a key's counters over windows starting in [fromWindow, toWindow). */
  sumWindows(key: string, fromWindow: number, toWindow: number): Promise<number>;
  /** Deletes up to `limit` counters that expired before `now`. */
  purgeCounters(now: number, limit: number): Promise<number>;


  /** Blocks a prefix until `until` (a longer existing block is kept); true when this call created or extended it. */
  blockPrefix(b: PrefixBlock): Promise<boolean>;
  /** The block in force for an account's prefix at `now`, if any. */
  prefixBlock(accountId: string, prefix: string, now: number): Promise<PrefixBlock | null>;
  listPrefixBlocks(now: number): Promise<PrefixBlock[]>;
  /**
   * Lifts blocks on `prefix` (for one account, or every account); returns how many. The prefix's send
   * counts (counter keys `ps:<account>:<prefix>`) restart too, so the lifted block is not re-imposed by
   * the same hour's figures.
   */
  unblockPrefix(prefix: string, accountId?: string): Promise<number>;
}
