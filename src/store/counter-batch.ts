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
}

/** Whether a span (a hit with `from`) covers the window a hit of the same key counts in. */
const covers = (span: CounterHit, h: CounterHit): boolean => h.windowStart >= span.from! && h.windowStart <= span.windowStart;

/**
 * Merges hits so that shared counters (the account's daily creates, a prefix's hour) are written once per
 * batch instead of once per request. Each caller's count is the one it would have got had the callers run
 * one after another in call order: the count before the batch plus every add up to and including its own.
 * A span (a sum over windows) runs the same way, counting the adds made to any window it covers.
 * So a limit still admits exactly as many requests as it allows, however they were batched.
 */
export function mergeHits(calls: readonly (readonly CounterHit[])[]): MergedHits {
  // Each caller's hit points straight at its merged counter, so splitting the counts back needs no lookups.
  const bySlot = new Map<string, Merged>();
  /** Spans by key: an add is counted by the spans of its own key only. */
  const spans = new Map<string, Merged[]>();
  const refs = calls.map((hits) =>
    hits.map((h) => {
      const s = counterSlot(h);
      const m = bySlot.get(s);
      if (!m) {
        const fresh: Merged = { hit: { ...h }, running: 0 };
        bySlot.set(s, fresh);
        if (h.from !== undefined) spans.set(h.key, [...(spans.get(h.key) ?? []), fresh]);
        return fresh;
      }
      m.hit.add += h.add;
      m.hit.expiresAt = Math.max(m.hit.expiresAt, h.expiresAt);
      return m;
    }),
  );
  const entries = [...bySlot.values()].sort(
    (a, b) => (a.hit.key < b.hit.key ? -1 : a.hit.key > b.hit.key ? 1 : a.hit.windowStart - b.hit.windowStart || (a.hit.from ?? -Infinity) - (b.hit.from ?? -Infinity)),
  );
  return {
    merged: entries.map((e) => e.hit),
    split(counts: number[]): number[][] {
      // Running count per counter, starting from its value before the batch (after minus everything added).
      entries.forEach((e, i) => (e.running = counts[i]! - e.hit.add));
      for (const e of entries) if (e.hit.from === undefined) for (const s of spans.get(e.hit.key) ?? []) if (covers(s.hit, e.hit)) s.running -= e.hit.add;
      return calls.map((hits, c) =>
        hits.map((h, i) => {
          const e = refs[c]![i]!;
          if (h.add !== 0) {
            e.running += h.add;
            for (const s of spans.get(h.key) ?? []) if (covers(s.hit, h)) s.running += h.add;
          }
          return e.running;
        }),
      );
    },
  };
}
