// Merges the counter hits of many concurrent requests into one store call, and gives each request the counts it would have seen alone.
import type { CounterHit } from './guard-types.js';

/** Several callers' hits as one list of distinct counters, and how to split the counts back per caller. */
export interface MergedHits {
  /** One hit per (key, window, span), sorted by key then window: every batch takes row locks in the same order. */
  merged: CounterHit[];
  /** From the counts after the merged hits (in `merged` order) to each caller's counts (in its own order). */
  split(counts: number[]): number[][];
}

/** The counter (or span of counters) a hit counts on: hits with the same slot are one counter. */
export const counterSlot = (h: CounterHit): string => (h.from === undefined ? `${h.key}\0${h.windowStart}` : `${h.key}\0${h.windowStart}\0${h.from}`);

/** One distinct counter (or span of counters) of a batch, and the count the callers have reached on it while splitting. */
interface Merged {
  hit: CounterHit;
  running: number;
  /** The spans of the same key: an add is counted by the spans of its own key only. */
  spans: Merged[];
}

/** Whether a span (a hit with `from`) covers the window a hit of the same key counts in. */
const covers = (span: CounterHit, h: CounterHit): boolean => h.windowStart >= span.from! && h.windowStart <= span.windowStart;

/** Same counter: the key is known equal; window and span start decide. */
const sameSlot = (a: CounterHit, b: CounterHit): boolean => a.windowStart === b.windowStart && a.from === b.from;

/**
 * Merges hits so that shared counters (the account's daily creates, a prefix's hour) are written once per
 * batch instead of once per request. Each caller's count is the one it would have got had the callers run
 * one after another in call order: the count before the batch plus every add up to and including its own.
 * A span (a sum over windows) runs the same way, counting the adds made to any window it covers.
 * So a limit still admits exactly as many requests as it allows, however they were batched.
 */
export function mergeHits(calls: readonly (readonly CounterHit[])[]): MergedHits {
  // Grouped by key, then found by window within the key's few counters: no slot string is built per hit
  // (two number-to-string conversions and a fresh string to hash each). Each caller's hit points straight
  // at its merged counter, and each counter at its key's spans, so splitting needs no lookups at all.
  const byKey = new Map<string, Merged[]>();
  const refs = calls.map((hits) =>
    hits.map((h) => {
      let group = byKey.get(h.key);
      if (!group) byKey.set(h.key, (group = []));
      for (const m of group) {
        if (!sameSlot(m.hit, h)) continue;
        m.hit.add += h.add;
        m.hit.expiresAt = Math.max(m.hit.expiresAt, h.expiresAt);
        return m;
      }
      const fresh: Merged = { hit: { ...h }, running: 0, spans: [] };
      group.push(fresh);
      return fresh;
    }),
  );
  const entries: Merged[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const group = byKey.get(key)!;
    const spans = group.filter((m) => m.hit.from !== undefined);
    for (const m of group) m.spans = spans;
    if (group.length > 1) group.sort((a, b) => a.hit.windowStart - b.hit.windowStart || (a.hit.from ?? -Infinity) - (b.hit.from ?? -Infinity));
    for (const m of group) entries.push(m);
  }
  return {
    merged: entries.map((e) => e.hit),
    split(counts: number[]): number[][] {
      // Running count per counter, starting from its value before the batch (after minus everything added).
      entries.forEach((e, i) => (e.running = counts[i]! - e.hit.add));
      for (const e of entries) if (e.hit.from === undefined) for (const s of e.spans) if (covers(s.hit, e.hit)) s.running -= e.hit.add;
      return calls.map((hits, c) =>
        hits.map((h, i) => {
          const e = refs[c]![i]!;
          if (h.add !== 0) {
            e.running += h.add;
            for (const s of e.spans) if (covers(s.hit, h)) s.running += h.add;
          }
          return e.running;
        }),
      );
    },
  };
}
