// `npm run bench`: drives a bare node:http server and otpd (SQLite, sandbox key) with the same client, prints the table.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem, tmpdir, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult } from './client.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CLI = join(ROOT, 'dist/src/cli/main.js');
const BARE = join(ROOT, 'dist/bench/bare-server.js');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '50' },
    store: { type: 'string', default: 'sqlite' },
    'log-level': { type: 'string', default: 'info' },
    json: { type: 'string' },
    /** Write a V8 CPU profile of the otpd process into this folder (node --cpu-prof). */
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

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

async function main(): Promise<void> {
  if (args.store !== 'sqlite') throw new Error(`--store ${args.store}: only sqlite is available in this version`);
  const concurrency = Number(args.concurrency);
  const duration = Number(args.duration);
  const warmup = Number(args.warmup);
  const dir = mkdtempSync(join(tmpdir(), 'otpd-bench-'));
  const children: ChildProcess[] = [];
  try {
    // 1. The ceiling.
    const barePort = await freePort();
    const bare = spawn(process.execPath, [BARE, String(barePort)], { stdio: 'ignore' });
    children.push(bare);
    await waitReady(`http://127.0.0.1:${barePort}/healthz`, bare);
    const bareResult = await runLoad(`http://127.0.0.1:${barePort}`, 'bare', concurrency, duration, warmup);
    bare.kill('SIGTERM');

    // 2. otpd on a fresh SQLite file, logging to a file as production would.
    const port = await freePort();
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      OTPD_PORT: String(port),
      OTPD_DATABASE_URL: `sqlite:${join(dir, 'otpd.sqlite')}`,
      OTPD_SECRET: 'bench-secret-not-for-production-0123456789',
      OTPD_BOOTSTRAP_API_KEY: 'otpd_live_bench_bootstrap_key_0123456789',
      OTPD_LOG_LEVEL: args['log-level'],
    };
    const log = openSync(join(dir, 'otpd.log'), 'w');
    const profile = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(args['cpu-prof'])] : [];
    const otpd = spawn(process.execPath, [...profile, CLI, 'serve'], { env, stdio: ['ignore', log, log] });
    children.push(otpd);
    await waitReady(`http://127.0.0.1:${port}/readyz`, otpd);
    const out = execFileSync(process.execPath, [CLI, 'keys', 'create', '--account', 'default', '--sandbox'], { env, encoding: 'utf8' });
    const sandboxKey = out.trim().split('\n').pop()!;
    const otpdResult = await runLoad(`http://127.0.0.1:${port}`, sandboxKey, concurrency, duration, warmup);
    otpd.kill('SIGTERM');
    await new Promise((r) => otpd.once('exit', r));

    const ratio = otpdResult.pairsPerSecond / bareResult.pairsPerSecond;
    const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version };
    const settings = { concurrency, duration, warmup, store: args.store, logLevel: args['log-level'] };
    print(machine, settings, bareResult, otpdResult, ratio);
    if (args.json) {
      writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), machine, settings, bare: bareResult, otpd: otpdResult, ratio }, null, 2));
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(machine: Record<string, unknown>, settings: Record<string, unknown>, bare: LoadResult, otpd: LoadResult, ratio: number): void {
  const row = (name: string, r: LoadResult) =>
    `| ${name.padEnd(16)} | ${fmt(r.pairsPerSecond, 0).padStart(8)} | ${fmt(r.create.p50, 2).padStart(9)} | ${fmt(r.create.p99, 2).padStart(9)} | ${fmt(r.check.p50, 2).padStart(8)} | ${fmt(r.check.p99, 2).padStart(8)} | ${String(r.errors).padStart(6)} |`;
  const lines = [
    `machine: ${Object.entries(machine).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`,
    `settings: ${Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`,
    '',
    '| target           |  pairs/s | create p50 | create p99 | check p50 | check p99 | errors |',
    '| ---------------- | -------: | --------: | --------: | -------: | -------: | -----: |',
    row('bare node:http', bare),
    row(`otpd (${String(settings['store'])})`, otpd),
    '',
    `ratio otpd/bare pairs/s: ${fmt(ratio, 3)}   (latencies in ms)`,
  ];
  if (otpd.firstError) lines.push(`first otpd error: ${otpd.firstError}`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
