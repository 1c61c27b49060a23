// When a failed event webhook is tried again: the Standard Webhooks schedule, about 27 hours in all.

/** Delay before attempt n+1 after n failed attempts (index n-1); past the end the delivery is given up. */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000, // 5 s
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  5 * 3_600_000, // 5 h
  10 * 3_600_000, // 10 h
  10 * 3_600_000, // 10 h
];

/** The next attempt time after `attempts` failures, with ±10% jitter; null when the schedule is spent. */
export function nextRetryAt(attempts: number, now: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return now + Math.round(base * (0.9 + 0.2 * random()));
}
