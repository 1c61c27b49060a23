// Sums V8's `--trace-gc-nvp` lines from an otpd log: how long scavenges pause the main thread, and on what.
import { readFileSync } from 'node:fs';

/** One collection: its kind (s = scavenge, mc = mark-compact…), when it ran (ms since start) and its named figures. */
export interface GcEvent {
  kind: string;
  atMs: number;
  fields: Record<string, number>;
}

/** The collections in `text`, in order; other lines are skipped. */
export function parseGcTrace(text: string): GcEvent[] {
  const events: GcEvent[] = [];
  for (const line of text.split('\n')) {
    const head = /\]\s+(\d+) ms: (.*)$/.exec(line);
    if (!head || !head[2]!.includes(' gc=')) continue;
    const fields: Record<string, number> = {};
    let kind = '';
    for (const pair of head[2]!.split(' ')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const [k, v] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (k === 'gc') kind = v;
      else if (/^-?[\d.]+%?$/.test(v)) fields[k] = Number.parseFloat(v);
    }
    events.push({ kind, atMs: Number(head[1]), fields });
  }
  return events;
}

/** The value at fraction `q` of sorted `xs` (nearest rank). */
function quantile(xs: number[], q: number): number {
  return xs.length ? xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]! : Number.NaN;
}

/** Pause quantiles and the mean of the parts that take a scavenge's time, over scavenges at or after `fromMs`. */
export function summariseScavenges(events: GcEvent[], fromMs = 0): { count: number; pause: Record<'p50' | 'p90' | 'p99' | 'max', number>; parts: Array<[string, number]> } {
  const s = events.filter((e) => e.kind === 's' && e.atMs >= fromMs);
  const pauses = s.map((e) => e.fields['pause'] ?? 0).sort((a, b) => a - b);
  const PARTS = ['scavenge.parallel', 'background.scavenge.parallel', 'heap.external_weak_global_handles', 'scavenge.weak_global_handles.process', 'scavenge.sweep_array_buffers', 'scavenge.roots'];
  const mean = (k: string) => s.reduce((sum, e) => sum + (e.fields[k] ?? 0), 0) / (s.length || 1);
  return {
    count: s.length,
    pause: { p50: quantile(pauses, 0.5), p90: quantile(pauses, 0.9), p99: quantile(pauses, 0.99), max: pauses[pauses.length - 1] ?? Number.NaN },
    parts: [['new_space_survived (KB)', mean('new_space_survived') / 1024], ...PARTS.map((k): [string, number] => [k, mean(k)])],
  };
}

function main(): void {
  const [file, from] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/gc-summary.js OTPD_LOG [FROM_MS]\n  OTPD_LOG from: npm run bench -- --node-args="--trace-gc --trace-gc-nvp" --keep-logs\n  FROM_MS: skip collections before this many ms (start-up; default 2000)\n');
    process.exit(2);
  }
  const r = summariseScavenges(parseGcTrace(readFileSync(file, 'utf8')), Number(from ?? 2000));
  process.stdout.write(`${r.count} scavenges; pause ms p50 ${r.pause.p50} · p90 ${r.pause.p90} · p99 ${r.pause.p99} · max ${r.pause.max}\n`);
  process.stdout.write('| mean per scavenge | ms |\n| --- | ---: |\n');
  for (const [k, v] of r.parts) process.stdout.write(`| ${k} | ${v.toFixed(2)} |\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
