// Samples a server process's resident memory (VmRSS from /proc, Linux) once a second while the load is measured.
import { readFileSync } from 'node:fs';

export interface RssReport {
  startMB: number;
  endMB: number;
  maxMB: number;
  /** Averages over the first and the last `windowSeconds` of the run (a minute, or half of a shorter run). */
  firstAvgMB: number;
  lastAvgMB: number;
  growthMB: number;
  windowSeconds: number;
  /** [seconds since the measurement started, MB]. */
  samples: [number, number][];
}

/** VmRSS of `pid` in MB, or null when /proc has no such process. */
export function rssMB(pid: number | undefined): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Starts sampling after `delayMs` (the warm-up); stop() takes a last sample and summarises. */
export function sampleRss(pid: number | undefined, delayMs: number): { stop: () => RssReport | undefined } {
  const samples: [number, number][] = [];
  let t0 = 0;
  let timer: NodeJS.Timeout | undefined;
  const take = () => {
    const v = rssMB(pid);
    if (v !== null) samples.push([(performance.now() - t0) / 1000, v]);
  };
  const delay = setTimeout(() => {
    t0 = performance.now();
    take();
    timer = setInterval(take, 1000);
  }, delayMs);
  return {
    stop: () => {
      clearTimeout(delay);
      clearInterval(timer);
      // A last sample, unless the interval just took one.
      if (t0 > 0 && performance.now() - t0 - (samples[samples.length - 1]?.[0] ?? -1) * 1000 > 500) take();
      if (samples.length === 0) return undefined;
      const total = samples[samples.length - 1]![0];
      const windowSeconds = Math.min(60, total / 2);
      const avg = (xs: [number, number][]) => xs.reduce((s, x) => s + x[1], 0) / xs.length;
      const first = avg(samples.filter(([t]) => t <= windowSeconds));
      const last = avg(samples.filter(([t]) => t >= total - windowSeconds));
      return {
        startMB: samples[0]![1],
        endMB: samples[samples.length - 1]![1],
        maxMB: Math.max(...samples.map((s) => s[1])),
        firstAvgMB: first,
        lastAvgMB: last,
        growthMB: last - first,
        windowSeconds,
        samples: samples.map(([t, v]) => [Math.round(t * 10) / 10, Math.round(v * 10) / 10]),
      };
    },
  };
}
