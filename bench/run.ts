// `npm run bench`: drives a bare node:http server and otpd (sandbox key) with the same client, prints the table.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runLoad, type LoadResult, type WindowFigures } from './client.js';
import { cpuShares, cpuSnapshot, describeCpuShares, serverCpuMicros, type CpuShares } from './cpu-shares.js';
import { sampleRss, type RssReport } from './memory.js';
import { dbBytes, dbContents, mb, preload, type PreloadResult, type Target } from './preload.js';
import { slowRounds } from './slow-spells.js';
import { startSmsSink, type SmsSink } from './sms-sink.js';
import { againstCli, BENCH_SECRET, benchEnv, createKey, freePort, stop, waitReady } from './process.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CLI = join(ROOT, 'dist/src/cli/main.js');
const BARE = join(ROOT, 'dist/bench/bare-server.js');
const YARDSTICK = join(ROOT, 'dist/bench/yardstick-server.js');
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';
/** The PostgreSQL the bench creates its schemas in (and reads the server's settings from). */
const PG_BASE = process.env['OTPD_BENCH_POSTGRES_URL'] ?? process.env['OTPD_TEST_POSTGRES_URL'] ?? DEFAULT_PG;

const USAGE = `npm run bench -- [options]

  --duration S         measured seconds per target (10)
  --warmup S           unmeasured seconds before (2)
  --concurrency N      concurrent clients, each running create -> check pairs (50)
  --store LIST         sqlite, postgres, both, or a comma-separated list (sqlite)
  --rounds N           bare and each store interleaved N times; median ratios (1)
  --windows S          also print otpd's pairs/s and p99s for each S seconds of the run (0: off)
  --yardstick          also run a plain Fastify app doing one SQLite insert and one update per request
  --live               a live key instead of a sandbox one: otpd delivers every code over its twilio SMS
                       provider to a stand-in for Twilio on 127.0.0.1, and the client checks the code that arrived
  --provider-ms MS     with --live: the stand-in answers each message after MS ms, like a real provider (0)
  --provider-slow MS   with --live: and one message in 100 after MS ms, a provider's slow tail (0: none)
  --against DIR        also run the otpd built in DIR (another checkout, after npm run build) on each
                       store, alternating with this one; prints this ÷ that per store
  --log-level LEVEL    otpd's log level; its log goes to a file (info)
  --json FILE          write the results as JSON
  --cpu-prof DIR       V8 CPU profile of each otpd process
  --node-args="ARGS"   node flags for this checkout's otpd only, not --against's (e.g. --node-args="--no-parallel-scavenge",
                       or "--trace-gc --trace-gc-nvp" with --keep-logs)
  --keep-logs          keep the run's folder (otpd's logs, the SQLite files) and print where it is
  --preload N          bulk-load N past verifications before otpd starts (0)
  --preload-days D     days the preload spans (--retention)
  --retention D        OTPD_RETENTION_DAYS for otpd (7)
  --preload-only       time the loader only
  -h, --help           this text`;

function parse() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        /** Also measure the issue's yardstick: a plain Fastify app, one SQLite insert and one update per request. */
        yardstick: { type: 'boolean', default: false },
        /** Live key: every code goes through the outbox, the delivery worker and an HTTP SMS provider (a local sink). */
        live: { type: 'boolean', default: false },
        /** With --live: the sink's answer time for every message, and for one in 100. */
        'provider-ms': { type: 'string', default: '0' },
        'provider-slow': { type: 'string', default: '0' },
        /** Another otpd checkout (built) to run beside this one on each store, to tell a change from the machine's noise. */
        against: { type: 'string' },
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '2' },
        concurrency: { type: 'string', default: '50' },
        /** sqlite, postgres, or both (comma-separated); each runs against the same bare ceiling. */
        store: { type: 'string', default: 'sqlite' },
        'log-level': { type: 'string', default: 'info' },
        json: { type: 'string' },
        /** Write a V8 CPU profile of each otpd process into this folder (node --cpu-prof). */
        'cpu-prof': { type: 'string' },
        /** Node flags for this checkout's otpd (not --against's): a runtime setting compared on one build. */
        'node-args': { type: 'string', default: '' },
        /** Keep the temporary folder with otpd's logs instead of removing it. */
        'keep-logs': { type: 'boolean', default: false },
        /** Bulk-load this many past verifications (one send each) into each fresh database before otpd starts. */
        preload: { type: 'string', default: '0' },
        /** Passed to otpd as OTPD_RETENTION_DAYS; also the days the preloaded verifications span unless --preload-days says otherwise. */
        retention: { type: 'string', default: '7' },
        /** Days the preloaded verifications span; more than --retention leaves old rows for housekeeping to purge during the run. */
        'preload-days': { type: 'string' },
        /** Only time the loader: preload each store, print the time and size, drop, exit. */
        'preload-only': { type: 'boolean', default: false },
        /** Repeat bare + each store this many times, interleaved, and report the median ratios: one run on a shared VM can be off by half. */
        rounds: { type: 'string', default: '1' },
        /** Split each otpd run into windows of this many seconds, to show whether it stays fast as the store grows. */
        windows: { type: 'string', default: '0' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}
const { values: args } = parse();

/** A bad option: say so and exit, without a stack trace. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const preloadRows = Number(args.preload.replace(/[_,]/g, ''));
const retentionDays = Number(args.retention);
if (!Number.isSafeInteger(preloadRows) || preloadRows < 0) fail(`--preload ${args.preload}: a whole number of verifications`);
if (!Number.isInteger(retentionDays) || retentionDays < 1) fail(`--retention ${args.retention}: whole days, at least 1`);
const preloadDays = args['preload-days'] === undefined ? retentionDays : Number(args['preload-days']);
if (!Number.isInteger(preloadDays) || preloadDays < 1) fail(`--preload-days ${args['preload-days']}: whole days, at least 1`);
/** Node flags for this checkout's otpd only (`--node-args`). */
const THIS_NODE_ARGS = args['node-args'].split(' ').filter(Boolean);
/** The other build's CLI, when `--against` names one. */
const AGAINST_CLI = againstCli(args.against, fail);
const providerMs = Number(args['provider-ms']);
const providerSlowMs = Number(args['provider-slow']);
for (const [name, v] of [['--provider-ms', providerMs], ['--provider-slow', providerSlowMs]] as const) {
  if (!Number.isInteger(v) || v < 0 || v > 60_000) fail(`${name} ${String(v)}: whole milliseconds, 0 to 60000`);
}
const windowSeconds = Number(args.windows);
if (!Number.isInteger(windowSeconds) || windowSeconds < 0) fail(`--windows ${args.windows}: whole seconds, or 0 for none`);

/** One otpd run: the load figures plus resident memory, database size and the preload it started from. */
type Contents = Awaited<ReturnType<typeof dbContents>>;
type Measured = LoadResult & { rss?: RssReport; cpuShares?: CpuShares; withPostgres?: boolean; dbBytesStart?: number; dbBytesEnd?: number; contentsStart?: Contents; contentsEnd?: Contents; preload?: PreloadResult; delivered?: number };

/** One round: the bare ceiling, the yardstick when asked for, each store, and their ratios. */
interface Run {
  bare: Measured;
  yardstick?: Measured;
  otpd: Record<string, Measured>;
  /** The `--against` build's runs, by store. */
  against?: Record<string, Measured>;
  ratios: Record<string, number>;
}

/**
 * Runs the load and adds the server's CPU µs per pair (steadier than pairs/s on a shared machine), its
 * RSS, and where the machine's CPU went meanwhile (with PostgreSQL's processes when `withPostgres`).
 */
async function measured(url: string, key: string, pid: number | undefined, concurrency: number, duration: number, warmup: number, windows = 0, sink?: SmsSink, withPostgres = false): Promise<Measured> {
  const before = cpuSnapshot(pid, withPostgres);
  const rss = sampleRss(pid, warmup * 1000);
  const r: Measured = await runLoad(url, key, concurrency, duration, warmup, windows, sink);
  r.rss = rss.stop();
  const after = cpuSnapshot(pid, withPostgres);
  r.cpuShares = cpuShares(before, after);
  r.withPostgres = withPostgres;
  const used = serverCpuMicros(before, after);
  if (used !== null && r.allPairs > 0) r.cpuMicrosPerPair = used / r.allPairs;
  return r;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** Removes a SQLite database file and its WAL and shared-memory files. */
function removeSqlite(path: string): void {
  for (const x of ['', '-wal', '-shm']) rmSync(path + x, { force: true });
}

/** A database for one run: a temp SQLite file, or a fresh PostgreSQL schema dropped afterwards. */
async function database(store: string, dir: string): Promise<{ url: string; target: Target; drop: () => Promise<void> }> {
  if (store === 'sqlite') {
    const path = join(dir, 'otpd.sqlite');
    const drop = async () => removeSqlite(path);
    return { url: `sqlite:${path}`, target: { kind: 'sqlite', path }, drop };
  }
  if (store !== 'postgres') throw new Error(`--store ${store}: use sqlite or postgres`);
  const schema = `otpd_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_BASE });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_BASE);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), target: { kind: 'postgres', url: url.toString(), schema }, drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** One otpd (this build's, or the `--against` build's `cli`) on a fresh database of `store`, under the load. */
async function runOtpd(store: string, dir: string, concurrency: number, duration: number, warmup: number, cli = CLI, nodeArgs = THIS_NODE_ARGS): Promise<Measured> {
  const db = await database(store, dir);
  let loaded: PreloadResult | undefined;
  try {
    if (preloadRows > 0) loaded = await preload(db.target, preloadRows, preloadDays, BENCH_SECRET, progress);
  } catch (e) {
    await db.drop();
    throw e;
  }
  const port = await freePort();
  const sink = args.live ? await startSmsSink({ ms: providerMs, slowMs: providerSlowMs, slowEvery: providerSlowMs > 0 ? 100 : 0 }) : undefined;
  const env = benchEnv(port, db.url, args['log-level'], { ...(sink ? liveEnv(sink.url) : {}), OTPD_RETENTION_DAYS: String(retentionDays) });
  const log = openSync(join(dir, `otpd-${store}.log`), 'w');
  const profile = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(args['cpu-prof'])] : [];
  const otpd = spawn(process.execPath, [...profile, ...nodeArgs, cli, 'serve'], { env, stdio: ['ignore', log, log] });
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, otpd);
    const key = createKey(cli, env, !sink);
    const dbBytesStart = await dbBytes(db.target);
    const contentsStart = await dbContents(db.target);
    const r = await measured(`http://127.0.0.1:${port}`, key, otpd.pid, concurrency, duration, warmup, windowSeconds, sink, store === 'postgres');
    return { ...r, dbBytesStart, dbBytesEnd: await dbBytes(db.target), contentsStart, contentsEnd: await dbContents(db.target), preload: loaded, delivered: sink?.received() };
  } finally {
    await stop(otpd);
    await sink?.close();
    await db.drop();
  }
}

/** otpd's settings for live runs: the twilio SMS provider, pointed at the bench's sink. */
function liveEnv(sinkUrl: string): Record<string, string> {
  return {
    OTPD_SMS_PROVIDERS: 'twilio',
    OTPD_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000bench',
    OTPD_TWILIO_AUTH_TOKEN: 'bench-sink-token',
    OTPD_TWILIO_FROM: '+15005550006',
    OTPD_TWILIO_BASE_URL: sinkUrl,
  };
}

/** The yardstick app on a fresh SQLite file, driven like otpd (no key: it has no authentication). */
async function runYardstick(dir: string, concurrency: number, duration: number, warmup: number): Promise<Measured> {
  const path = join(dir, 'yardstick.sqlite');
  const port = await freePort();
  const child = spawn(process.execPath, [YARDSTICK, String(port), path], { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  try {
    await waitReady(`http://127.0.0.1:${port}/healthz`, child);
    return await measured(`http://127.0.0.1:${port}`, 'yardstick', child.pid, concurrency, duration, warmup);
  } finally {
    await stop(child);
    removeSqlite(path);
  }
}

/** What about the PostgreSQL server explains a slow long run: settings left at a test machine's values. */
async function postgresNotes(): Promise<string[]> {
  const c = new pg.Client({ connectionString: PG_BASE });
  try {
    await c.connect();
    const { rows } = await c.query<{ autovacuum: string; shared_buffers: string; max_wal_size: string }>(
      `SELECT current_setting('autovacuum') AS autovacuum, current_setting('shared_buffers') AS shared_buffers, current_setting('max_wal_size') AS max_wal_size`,
    );
    const r = rows[0]!;
    const note = `postgres server: autovacuum ${r.autovacuum}, shared_buffers ${r.shared_buffers}, max_wal_size ${r.max_wal_size}`;
    // Every check leaves a dead row version behind; without autovacuum they pile up and the tables bloat.
    return [r.autovacuum === 'off' ? `${note} (autovacuum off: dead row versions pile up and the tables bloat)` : note];
  } catch {
    return [];
  } finally {
    await c.end().catch(() => undefined);
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
    if (args['preload-only']) {
      for (const store of stores) {
        const db = await database(store, dir);
        try {
          await preload(db.target, preloadRows, preloadDays, BENCH_SECRET, progress);
        } finally {
          await db.drop();
        }
      }
      return;
    }
    const rounds = Number(args.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${args.rounds}: a whole number, at least 1`);
    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      if (rounds > 1) progress(`round ${round + 1} of ${rounds}`);
      const barePort = await freePort();
      bare = spawn(process.execPath, [BARE, String(barePort)], { stdio: 'ignore' });
      await waitReady(`http://127.0.0.1:${barePort}/healthz`, bare);
      const bareResult = await measured(`http://127.0.0.1:${barePort}`, 'bare', bare.pid, concurrency, duration, warmup);
      bare.kill('SIGTERM');
      const yard = args.yardstick ? await runYardstick(dir, concurrency, duration, warmup) : undefined;
      const results: Record<string, Measured> = {};
      const other: Record<string, Measured> = {};
      for (const store of stores) {
        if (!AGAINST_CLI) {
          results[store] = await runOtpd(store, dir, concurrency, duration, warmup);
          continue;
        }
        // Which build goes first alternates by round, so a machine that slows down over the run favours neither.
        const thisFirst = round % 2 === 0;
        if (!thisFirst) other[store] = await runOtpd(store, dir, concurrency, duration, warmup, AGAINST_CLI, []);
        results[store] = await runOtpd(store, dir, concurrency, duration, warmup);
        if (thisFirst) other[store] = await runOtpd(store, dir, concurrency, duration, warmup, AGAINST_CLI, []);
      }
      const ratios = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.pairsPerSecond / bareResult.pairsPerSecond]));
      for (const [k, r] of Object.entries(other)) {
        ratios[`${k}/against`] = results[k]!.pairsPerSecond / r.pairsPerSecond;
        if (results[k]!.cpuMicrosPerPair && r.cpuMicrosPerPair) ratios[`${k}/against cpu`] = results[k]!.cpuMicrosPerPair! / r.cpuMicrosPerPair;
      }
      if (results['sqlite'] && results['postgres']) ratios['postgres/sqlite'] = results['postgres'].pairsPerSecond / results['sqlite'].pairsPerSecond;
      if (yard) {
        ratios['yardstick'] = yard.pairsPerSecond / bareResult.pairsPerSecond;
        if (results['sqlite']) ratios['sqlite/yardstick'] = results['sqlite'].pairsPerSecond / yard.pairsPerSecond;
      }
      runs.push({ bare: bareResult, yardstick: yard, otpd: results, against: AGAINST_CLI ? other : undefined, ratios });
    }

    const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version };
    const settings = { concurrency, duration, warmup, stores: stores.join(','), live: args.live, ...(args.live ? { providerMs, providerSlowMs } : {}), logLevel: args['log-level'], preload: preloadRows, preloadDays, retentionDays, rounds, windows: windowSeconds, ...(args.against ? { against: resolve(args.against) } : {}) };
    const medians = Object.fromEntries(Object.keys(runs[0]!.ratios).map((k) => [k, median(runs.map((r) => r.ratios[k]!))]));
    const notes = stores.includes('postgres') ? await postgresNotes() : [];
    print(machine, settings, runs, medians, notes);
    if (args.json) {
      const last = runs[runs.length - 1]!;
      writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), machine, settings, bare: last.bare, yardstick: last.yardstick, otpd: last.otpd, ratios: last.ratios, rounds: runs, medianRatios: medians, notes }, null, 2));
    }
  } finally {
    if (bare && bare.exitCode === null) bare.kill('SIGKILL');
    if (args['keep-logs']) process.stdout.write(`kept: ${dir} (otpd's logs and database files)\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const RATIO_NAMES: Record<string, string> = {
  'postgres/sqlite': 'ratio postgres / sqlite pairs/s',
  yardstick: 'ratio yardstick / bare pairs/s',
  'sqlite/yardstick': 'ratio otpd (sqlite) / yardstick pairs/s',
};

/** The printed name of a per-store ratio: against bare, or this build against the `--against` one. */
function ratioName(k: string): string {
  const [store, what] = k.split('/');
  if (what === 'against') return `ratio otpd (${store}) / against (${store}) pairs/s`;
  if (what === 'against cpu') return `ratio otpd (${store}) / against (${store}) µs CPU a pair`;
  return `ratio otpd (${k}) / bare pairs/s`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function print(
  machine: object,
  settings: object,
  runs: Run[],
  medians: Record<string, number>,
  notes: string[],
): void {
  const kv = (o: object) => Object.entries(o).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  const row = (name: string, r: Measured) =>
    `| ${name.padEnd(17)} | ${fmt(r.pairsPerSecond, 0).padStart(8)} | ${fmt(r.cpuMicrosPerPair ?? NaN, 0).padStart(11)} | ${fmt(r.create.p50, 2).padStart(10)} | ${fmt(r.create.p99, 2).padStart(10)} | ${fmt(r.check.p50, 2).padStart(9)} | ${fmt(r.check.p99, 2).padStart(9)} | ${String(r.errors).padStart(6)} | ` +
    `${fmt(r.rss?.startMB ?? NaN, 0).padStart(9)} | ${fmt(r.rss?.endMB ?? NaN, 0).padStart(7)} | ${fmt(r.rss?.maxMB ?? NaN, 0).padStart(7)} | ${(r.dbBytesEnd === undefined ? '-' : mb(r.dbBytesEnd)).padStart(5)} |`;
  const tag = (i: number) => (runs.length > 1 ? ` #${i + 1}` : '');
  const lines = [
    `machine: ${kv(machine)}`,
    `settings: ${kv(settings)}`,
    '',
    '| target            |  pairs/s | µs CPU/pair | create p50 | create p99 | check p50 | check p99 | errors | RSS start | RSS end | RSS max | db MB |',
    '| ----------------- | -------: | ----------: | ---------: | ---------: | --------: | --------: | -----: | --------: | ------: | ------: | ----: |',
    ...runs.flatMap((run, i) => [
      row(`bare node:http${tag(i)}`, run.bare),
      ...(run.yardstick ? [row(`yardstick${tag(i)}`, run.yardstick)] : []),
      ...Object.entries(run.otpd).flatMap(([store, r]) => [
        row(`otpd (${store})${tag(i)}`, r),
        ...(run.against?.[store] ? [row(`against (${store})${tag(i)}`, run.against[store])] : []),
      ]),
    ]),
    '',
  ];
  for (const [k, q] of Object.entries(medians)) {
    const name = RATIO_NAMES[k] ?? ratioName(k);
    lines.push(runs.length > 1 ? `${name}: ${fmt(q, 3)} (median of ${runs.map((r) => fmt(r.ratios[k]!, 3)).join(', ')})` : `${name}: ${fmt(q, 3)}`);
  }
  const bare = runs.map((r) => r.bare.pairsPerSecond);
  const slow = slowRounds(bare);
  if (slow.length) {
    lines.push(
      `slow spell in round${slow.length > 1 ? 's' : ''} ${slow.map((i) => `#${i + 1}`).join(', ')}: the bare server made ${slow.map((i) => fmt(bare[i]!, 0)).join(', ')} pairs/s against ${fmt(Math.max(...bare), 0)} in its best round; ratios to bare from ${slow.length > 1 ? 'those rounds' : 'that round'} flatter otpd`,
    );
  }
  for (const [i, run] of runs.entries()) {
    for (const [store, r] of Object.entries(run.otpd)) {
      const g = r.rss;
      const w = g && g.windowSeconds >= 60 ? ['first minute', 'last minute'] : [`first ${fmt(g?.windowSeconds ?? NaN)} s`, `last ${fmt(g?.windowSeconds ?? NaN)} s`];
      if (r.cpuShares) lines.push(`cpu otpd (${store})${tag(i)}: ${describeCpuShares(r.cpuShares, r.withPostgres ?? false)}`);
      if (g) lines.push(`rss growth over the run, otpd (${store})${tag(i)}: ${g.growthMB >= 0 ? '+' : ''}${fmt(g.growthMB)} MB (${w[0]} avg ${fmt(g.firstAvgMB)} → ${w[1]} avg ${fmt(g.lastAvgMB)} MB)`);
      if (r.preload) lines.push(`preload otpd (${store})${tag(i)}: ${r.preload.rows.toLocaleString('en')} verifications in ${fmt(r.preload.seconds)} s, ${mb(r.preload.bytes)} MB`);
      if (r.dbBytesStart !== undefined && r.dbBytesEnd !== undefined) lines.push(`db size otpd (${store})${tag(i)}: ${mb(r.dbBytesStart)} MB at start → ${mb(r.dbBytesEnd)} MB at end`);
      const [a, b] = [r.contentsStart, r.contentsEnd];
      if (a && b) {
        const sqlite = (c: Contents) => (c.walBytes === undefined ? '' : ` (WAL ${mb(c.walBytes)} MB, free pages ${mb(c.freeBytes ?? 0)} MB)`);
        lines.push(`verifications otpd (${store})${tag(i)}: ${a.verifications.toLocaleString('en')}${sqlite(a)} at start → ${b.verifications.toLocaleString('en')}${sqlite(b)} at end`);
      }
      if (r.windows?.length) {
        const list = (f: (w: WindowFigures) => number, d: number) => r.windows!.map((w) => fmt(f(w), d)).join(' ');
        const first = r.windows[0]!.pairsPerSecond;
        const last = r.windows[r.windows.length - 1]!.pairsPerSecond;
        lines.push(`windows of ${windowSeconds} s, otpd (${store})${tag(i)}: last ÷ first pairs/s ${fmt(last / first, 2)}`);
        lines.push(`  pairs/s     ${list((w) => w.pairsPerSecond, 0)}`);
        lines.push(`  create p99  ${list((w) => w.createP99, 1)}`);
        lines.push(`  check p99   ${list((w) => w.checkP99, 1)}`);
      }
      for (const [name, x] of [[`otpd (${store})`, r], [`against (${store})`, run.against?.[store]]] as const) {
        if (x?.deliver) lines.push(`delivery ${name}${tag(i)}: ${(x.delivered ?? 0).toLocaleString('en')} SMS at the sink; create answered → code at the sink p50 ${fmt(x.deliver.p50, 2)} ms, p99 ${fmt(x.deliver.p99, 2)} ms`);
      }
      if (r.firstError) lines.push(`first otpd (${store})${tag(i)} error: ${r.firstError}`);
    }
  }
  lines.push(...notes);
  lines.push('(latencies in ms, measured by the client; µs CPU/pair = server user+system CPU time per create+check pair; RSS in MB, sampled every second after warm-up; db MB = SQLite file + -wal, or the schema’s tables with indexes, at the end of the run; cpu lines: CPU time over the run from /proc, each as a share of one core, idle as a share of the machine; a main thread near 100 % is what bounds the run; on a VM, idle time beside a main thread below it need not mean otpd waits: see the README)');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
