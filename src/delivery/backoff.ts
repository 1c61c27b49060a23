// Retry schedule for transient delivery failures: exponential with full jitter, capped.

export const BACKOFF = { baseMs: 1_000, capMs: 60_000 } as const;

/** Delay before retry number `attempt` (1-based); `random` in [0,1) is injected for tests. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}
