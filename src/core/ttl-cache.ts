// A small time-bounded cache: entries live `ttlMs` by an injected clock; when full it starts over rather than tracking age.

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  /** The live value under `key` at `now`, or undefined. */
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    return e && e.until > now ? e.value : undefined;
  }

  set(key: string, value: V, now: number): void {
    // Clearing when full is cheaper than LRU bookkeeping, and a miss only costs one store read.
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
