// `npm run bench`: drives a bare node:http server and otpd (sandbox key) with the same client, prints the table.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem, tmpdir, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runLoad, type LoadResult } from './client.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CLI = join(ROOT, 'dist/src/cli/main.js');
const BARE = join(ROOT, 'dist/bench/bare-server.js');
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '50' },
    /** sqlite, postgres, or both (comma-separated); each runs against the same bare ceiling. */
    store: { type: 'string', default: 'sqlite' },
    'log-level': { type: 'string', default: 'info' },
    json: { type: 'string' },
    /** Write a V8 CPU profile of each otpd process into this folder (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
  },
});

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become ready`);
}

/** CPU time (user + system) a process has used so far, in µs, from /proc (Linux). */
function cpuMicros(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
  } catch {
    return null;
  }
}

/** Runs the load and adds the server's CPU µs per pair: steadier than pairs/s on a shared machine. */
async function measured(url: string, key: string, pid: number | undefined, concurrency: number, duration: number, warmup: number): Promise<LoadResult> {
  const before = cpuMicros(pid);
  const r = await runLoad(url, key, concurrency, duration, warmup);
  const after = cpuMicros(pid);
  if (before !== null && after !== null && r.allPairs > 0) r.cpuMicrosPerPair = (after - before) / r.allPairs;
  return r;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** A database for one run: a temp SQLite file, or a fresh PostgreSQL schema dropped afterwards. */
async function database(store: string, dir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (store === 'sqlite') return { url: `sqlite:${join(dir, 'otpd.sqlite')}`, drop: async () => undefined };
  if (store !== 'postgres') throw new Error(`--store ${store}: use sqlite or postgres`);
  const base = process.env['OTPD_BENCH_POSTGRES_URL'] ?? process.env['OTPD_TEST_POSTGRES_URL'] ?? DEFAULT_PG;
  const schema = `otpd_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}

async function runOtpd(store: string, dir: string, concurrency: number, duration: number, warmup: number): Promise<LoadResult> {
  const db = await database(store, dir);
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    OTPD_PORT: String(port),
    OTPD_DATABASE_URL: db.url,
    OTPD_SECRET: 'bench-secret-not-for-production-0123456789',
    OTPD_BOOTSTRAP_API_KEY: 'otpd_live_bench_bootstrap_key_0123456789',
    OTPD_LOG_LEVEL: args['log-level'],
    // The load exceeds the default per-account create limit (200/s) by design; every other guard stays on.
    OTPD_RATE_LIMITS: 'account_creates_per_second=0',
  };
  const log = openSync(join(dir, `otpd-${store}.log`), 'w');
  const profile = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(args['cpu-prof'])] : [];
  const otpd = spawn(process.execPath, [...profile, CLI, 'serve'], { env, stdio: ['ignore', log, log] });
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, otpd);
    const out = execFileSync(process.execPath, [CLI, 'keys', 'create', '--account', 'default', '--sandbox'], { env, encoding: 'utf8' });
    const sandboxKey = out.trim().split('\n').pop()!;
    return await measured(`http://127.0.0.1:${port}`, sandboxKey, otpd.pid, concurrency, duration, warmup);
  } finally {
    if (otpd.exitCode === null) {
      otpd.kill('SIGTERM');
      await new Promise((r) => otpd.once('exit', r));
    }
    await db.drop();
  }
}

async function main(): Promise<void> {
  const stores = args.store === 'both' ? ['sqlite', 'postgres'] : args.store.split(',');
  const concurrency = Number(args.concurrency);
  const duration = Number(args.duration);
  const warmup = Number(args.warmup);
  const dir = mkdtempSync(join(tmpdir(), 'otpd-bench-'));
  let bare: ChildProcess | undefined;
  try {
    const barePort = await freePort();
    bare = spawn(process.execPath, [BARE, String(barePort)], { stdio: 'ignore' });
    await waitReady(`http://127.0.0.1:${barePort}/healthz`, bare);
    const bareResult = await measured(`http://127.0.0.1:${barePort}`, 'bare', bare.pid, concurrency, duration, warmup);
    bare.kill('SIGTERM');

    const results: Record<string, LoadResult> = {};
    for (const store of stores) results[store] = await runOtpd(store, dir, concurrency, duration, warmup);

    const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version };
    const settings = { concurrency, duration, warmup, stores: stores.join(','), logLevel: args['log-level'] };
    const ratios = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.pairsPerSecond / bareResult.pairsPerSecond]));
    print(machine, settings, bareResult, results, ratios);
    if (args.json) writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), machine, settings, bare: bareResult, otpd: results, ratios }, null, 2));
  } finally {
    if (bare && bare.exitCode === null) bare.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(machine: object, settings: object, bare: LoadResult, results: Record<string, LoadResult>, ratios: Record<string, number>): void {
  const kv = (o: object) => Object.entries(o).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  const row = (name: string, r: LoadResult) =>
    `| ${name.padEnd(17)} | ${fmt(r.pairsPerSecond, 0).padStart(8)} | ${fmt(r.cpuMicrosPerPair ?? NaN, 0).padStart(11)} | ${fmt(r.create.p50, 2).padStart(10)} | ${fmt(r.create.p99, 2).padStart(10)} | ${fmt(r.check.p50, 2).padStart(9)} | ${fmt(r.check.p99, 2).padStart(9)} | ${String(r.errors).padStart(6)} |`;
  const lines = [
    `machine: ${kv(machine)}`,
    `settings: ${kv(settings)}`,
    '',
    '| target            |  pairs/s | µs CPU/pair | create p50 | create p99 | check p50 | check p99 | errors |',
    '| ----------------- | -------: | ----------: | ---------: | ---------: | --------: | --------: | -----: |',
    row('bare node:http', bare),
    ...Object.entries(results).map(([store, r]) => row(`otpd (${store})`, r)),
    '',
    ...Object.entries(ratios).map(([store, q]) => `ratio otpd (${store}) / bare pairs/s: ${fmt(q, 3)}`),
  ];
  if (results['sqlite'] && results['postgres']) lines.push(`ratio postgres / sqlite pairs/s: ${fmt(results['postgres'].pairsPerSecond / results['sqlite'].pairsPerSecond, 3)}`);
  lines.push('(latencies in ms, measured by the client; µs CPU/pair = server user+system CPU time per create+check pair)');
  for (const [store, r] of Object.entries(results)) if (r.firstError) lines.push(`first otpd (${store}) error: ${r.firstError}`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
