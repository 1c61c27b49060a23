// Merges the counter hits of many concurrent requests into one store call, and gives each request the counts it would have seen alone.
import type { CounterHit } from './guard-types.js';

/** Several callers' hits as one list of distinct counters, and how to split the counts back per caller. */
export interface MergedHits {
  /** One hit per (key, window), sorted by key then window: every batch takes row locks in the same order. */
  merged: CounterHit[];
  /** From the counts after the merged hits (in `merged` order) to each caller's counts (in its own order). */
  split(counts: number[]): number[][];
}

const slot = (h: CounterHit): string => `${h.key}\0${h.windowStart}`;

/**
 * Merges hits so that shared counters (the account's daily creates, a prefix's hour) are written once per
 * batch instead of once per request. Each caller's count is the one it would have got had the callers run
 * one after another in call order: the count before the batch plus every add up to and including its own.
 * So a limit still admits exactly as many requests as it allows, however they were batched.
 */
export function mergeHits(calls: readonly (readonly CounterHit[])[]): MergedHits {
  const bySlot = new Map<string, CounterHit>();
  for (const hits of calls) {
    for (const h of hits) {
      const s = slot(h);
      const m = bySlot.get(s);
      if (m) {
        m.add += h.add;
        m.expiresAt = Math.max(m.expiresAt, h.expiresAt);
      } else bySlot.set(s, { ...h });
    }
  }
  const merged = [...bySlot.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.windowStart - b.windowStart));
  return {
    merged,
    split(counts: number[]): number[][] {
      // Running count per counter, starting from its value before the batch (after minus everything added).
      const running = new Map<string, number>();
      merged.forEach((m, i) => running.set(slot(m), counts[i]! - m.add));
      return calls.map((hits) =>
        hits.map((h) => {
          const s = slot(h);
          const n = running.get(s)! + h.add;
          running.set(s, n);
          return n;
        }),
      );
    },
  };
}
