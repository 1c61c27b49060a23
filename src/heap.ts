// How fast V8 lets the main heap grow between full collections: otpd's setting, applied once per process.
import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the old generation grow to a multiple of what survived the last full collection before it
 * runs the next one. On a machine with 2 GiB or more for the heap (Node's default here) that multiple
 * is up to 4, so a server whose live heap is 35 MB grows to 120 MB and more of garbage before it
 * collects, and its resident memory climbs for minutes under load. `percent` caps the growth at
 * 1 + percent/100 times the live heap (V8's --heap-growing-percent, which V8 reads at every full
 * collection, so it takes effect when set at start-up). More frequent full collections cost little:
 * they mark on helper threads, and pause the event loop for about 10 ms every several seconds.
 * 0 leaves V8's own heuristics; so does a --heap-growing-percent=N given to node itself, which wins
 * (node takes it on its command line only, not in NODE_OPTIONS; the last one given counts).
 * Answers the percent now in force, or null when V8 decides.
 */
export function tuneHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): number | null {
  const given = execArgv.filter((a) => /^--heap[-_]growing[-_]percent=/.test(a)).pop();
  if (given !== undefined) return Number(given.slice(given.indexOf('=') + 1)) || null;
  if (percent <= 0) return null;
  setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
  return Math.floor(percent);
}
