// Child servers for the benches: otpd's settings and first key, a free loopback port, waiting until a server answers, stopping it.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** OTPD_SECRET of every bench otpd (the preloader seals codes with it too). */
export const BENCH_SECRET = 'bench-secret-not-for-production-0123456789';

/** The settings a bench otpd runs with, over this process's environment; `extra` adds to them. */
export function benchEnv(port: number, databaseUrl: string, logLevel: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...extra,
    NODE_ENV: 'production',
    OTPD_PORT: String(port),
    OTPD_DATABASE_URL: databaseUrl,
    OTPD_SECRET: BENCH_SECRET,
    OTPD_BOOTSTRAP_API_KEY: 'otpd_live_bench_bootstrap_key_0123456789',
    OTPD_LOG_LEVEL: logLevel,
    // The load exceeds the default per-account create limits (200/s, and 1 M/day within minutes) by design;
    // every other guard stays on.
    OTPD_RATE_LIMITS: 'account_creates_per_second=0,account_creates_per_day=0',
  };
}

/** A new API key of the default account, made with `cli` (this build's or another's) on the database `env` names. */
export function createKey(cli: string, env: NodeJS.ProcessEnv, sandbox: boolean): string {
  const out = execFileSync(process.execPath, [cli, 'keys', 'create', '--account', 'default', ...(sandbox ? ['--sandbox'] : [])], { env, encoding: 'utf8' });
  return out.trim().split('\n').pop()!;
}

/** The built CLI of the checkout `--against` names (undefined without one); `fail` when it is not built. */
export function againstCli(dir: string | undefined, fail: (message: string) => never): string | undefined {
  if (dir === undefined) return undefined;
  const cli = join(resolve(dir), 'dist/src/cli/main.js');
  if (!existsSync(cli)) fail(`--against ${dir}: no ${cli}; run npm install and npm run build there first`);
  return cli;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

/** Resolves once `url` answers 2xx; throws if `child` exits first or `timeoutMs` pass. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
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

/** Stops a server the bench started and waits until it has exited. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
