// The load generator: N concurrent workers each running create -> check pairs over keep-alive connections.
import { Pool } from 'undici';
import type { SmsSink } from './sms-sink.js';

export interface LoadResult {
  pairs: number;
  /** Pairs completed including warm-up, to divide the server's CPU time by. */
  allPairs: number;
  /** Server CPU time (user + system) per pair, in µs, when the server's pid is known. */
  cpuMicrosPerPair?: number;
  errors: number;
  seconds: number;
  pairsPerSecond: number;
  create: { p50: number; p99: number };
  check: { p50: number; p99: number };
  /** With a sink (live keys): from the create's answer to the code reaching the sink (0 when it came first). */
  deliver?: { p50: number; p99: number };
  firstError?: string;
  /** Per window of `windowSeconds` (when asked for): pairs/s and p99s of the pairs that finished in it. */
  windows?: WindowFigures[];
}

/** One window of a long run, to show whether throughput and latency stay flat as the store grows. */
export interface WindowFigures {
  fromSecond: number;
  pairsPerSecond: number;
  createP99: number;
  checkP99: number;
}

/** `p`'s value, or undefined once `ms` have passed. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((ok) => {
    timer = setTimeout(() => ok(undefined), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

let counter = 0;
/** A fresh valid US number per pair, so concurrent pairs never share a recipient. */
function nextNumber(): string {
  counter = (counter + 1) % 7_000_000;
  return `+1415${2_000_000 + counter}`;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

class Samples {
  private buf: Float64Array;
  private n = 0;
  constructor(capacity = 1 << 16) {
    this.buf = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.n === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = v;
  }
  summary(): { p50: number; p99: number } {
    const s = this.buf.slice(0, this.n).sort();
    return { p50: percentile(s, 50), p99: percentile(s, 99) };
  }
}

/** A create's answer: the id, and the code when the key is a sandbox key. */
interface Created {
  id?: string;
  code?: string;
}

/** Keep-alive connections to otpd and the two requests of a pair, for both load drivers. */
function pairClient(baseUrl: string, apiKey: string, concurrency: number) {
  const pool = new Pool(baseUrl, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return {
    async create(to: string): Promise<{ status: number; body: Created }> {
      const r = await pool.request({ path: '/v1/verifications', method: 'POST', headers, body: JSON.stringify({ to, channel: 'sms' }) });
      return { status: r.statusCode, body: (await r.body.json()) as Created };
    },
    async check(id: string | undefined, code: string | undefined): Promise<{ status: number; body: { valid?: boolean } }> {
      const r = await pool.request({ path: `/v1/verifications/${id}/check`, method: 'POST', headers, body: JSON.stringify({ code }) });
      return { status: r.statusCode, body: (await r.body.json()) as { valid?: boolean } };
    },
    close: () => pool.close(),
  };
}

/** How long a pair waits for its code at the sink before it counts as an error. */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Drives `baseUrl` for `seconds` (after `warmupSeconds` not measured) with `concurrency` workers; with
 * `windowSeconds`, also reports each window of the measured time on its own. With a `sink` the key is a
 * live one: creates answer no code, and each check waits for the code otpd delivered to the sink.
 */
export async function runLoad(
  baseUrl: string,
  apiKey: string,
  concurrency: number,
  seconds: number,
  warmupSeconds: number,
  windowSeconds = 0,
  sink?: Pick<SmsSink, 'codeFor' | 'forget'>,
): Promise<LoadResult> {
  const client = pairClient(baseUrl, apiKey, concurrency);
  const createLat = new Samples();
  const checkLat = new Samples();
  const deliverLat = new Samples();
  let pairs = 0;
  let allPairs = 0;
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  const start = performance.now();
  const measureFrom = start + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  const windowMs = windowSeconds * 1000;
  const windows: Array<{ pairs: number; create: Samples; check: Samples }> = [];

  const fail = (what: string) => {
    if (measuring) errors++;
    firstError ??= what;
  };

  async function worker(): Promise<void> {
    while (performance.now() < end) {
      measuring = performance.now() >= measureFrom;
      const t0 = performance.now();
      const to = nextNumber();
      // Asked before the create: the message can reach the sink before the create's answer reaches us.
      const delivered = sink?.codeFor(to);
      const { status: cs, body: created } = await client.create(to);
      const t1 = performance.now();
      if (cs !== 201 || !created.id || (!sink && !created.code)) {
        sink?.forget(to);
        fail(`create -> ${cs} ${JSON.stringify(created).slice(0, 200)}`);
        continue;
      }
      const code = delivered ? await withTimeout(delivered, DELIVERY_TIMEOUT_MS) : created.code;
      const t1d = performance.now();
      if (code === undefined) {
        sink?.forget(to);
        fail(`no message for ${to} at the sink within ${DELIVERY_TIMEOUT_MS / 1000} s of its create`);
        continue;
      }
      const { status: ks, body: checked } = await client.check(created.id, code);
      const t2 = performance.now();
      if (ks !== 200 || checked.valid !== true) {
        fail(`check -> ${ks} ${JSON.stringify(checked).slice(0, 200)}`);
        continue;
      }
      allPairs++;
      if (t0 >= measureFrom && t2 <= end) {
        pairs++;
        createLat.push(t1 - t0);
        if (sink) deliverLat.push(t1d - t1);
        checkLat.push(t2 - t1d);
        if (windowMs > 0) {
          const i = Math.floor((t2 - measureFrom) / windowMs);
          const w = (windows[i] ??= { pairs: 0, create: new Samples(1 << 12), check: new Samples(1 << 12) });
          w.pairs++;
          w.create.push(t1 - t0);
          w.check.push(t2 - t1d);
        }
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  await client.close();
  const result: LoadResult = { pairs, allPairs, errors, seconds, pairsPerSecond: pairs / seconds, create: createLat.summary(), check: checkLat.summary(), firstError };
  if (sink) result.deliver = deliverLat.summary();
  if (windowMs > 0) {
    // Whole windows only: a last partial window would read as a drop in throughput.
    const whole = Math.floor(seconds / windowSeconds);
    result.windows = Array.from({ length: whole }, (_, i) => {
      const w = windows[i] ?? { pairs: 0, create: new Samples(1), check: new Samples(1) };
      return { fromSecond: i * windowSeconds, pairsPerSecond: w.pairs / windowSeconds, createP99: w.create.summary().p99, checkP99: w.check.summary().p99 };
    });
  }
  return result;
}

/**
 * Runs exactly `pairs` sandbox create -> check pairs over `concurrency` connections, for counts that
 * must not depend on time (the instruction counter). Answers how many pairs failed.
 */
export async function runPairs(baseUrl: string, apiKey: string, concurrency: number, pairs: number): Promise<number> {
  const client = pairClient(baseUrl, apiKey, concurrency);
  let left = pairs;
  let errors = 0;
  async function worker(): Promise<void> {
    while (left > 0) {
      left--;
      const c = await client.create(nextNumber());
      const k = await client.check(c.body.id, c.body.code);
      if (c.status !== 201 || k.status !== 200 || k.body.valid !== true) errors++;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, pairs) }, worker));
  await client.close();
  return errors;
}
