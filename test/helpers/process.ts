// Running the built otpd as separate processes: build once, spawn the CLI and `serve`, clean env, free ports.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Newest mtime of the TypeScript sources the build compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const isStale = (): boolean => {
  try {
    return statSync(CLI).mtimeMs < newestSource(join(ROOT, 'src'));
  } catch {
    return true;
  }
};

/** Builds dist/ when it is missing or older than src/; a lock folder keeps parallel test files from building at once. */
export function ensureBuilt(): void {
  const lock = join(tmpdir(), `otpd-build-${Buffer.from(ROOT).toString('base64url').slice(-40)}.lock`);
  const deadline = Date.now() + 170_000;
  for (let builds = 0; isStale() && builds < 3; ) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      continue;
    }
    try {
      if (isStale()) {
        builds++;
        execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** The parent's environment without any OTPD_* setting, in development mode, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTPD_')) env[k] = v;
  return { ...env, NODE_ENV: 'development', ...extra };
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion. */
export function runCli(args: string[], env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env), encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Spawns `serve` on a free port and waits until /readyz answers 200. */
export async function spawnServe(env: Record<string, string>): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env: childEnv({ ...env, OTPD_PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited early:\n${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return { child, url, output: () => out };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not get ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops children still running, hard. */
export async function killAll(children: ChildProcess[]): Promise<void> {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await exited(c);
    }
  }
}
