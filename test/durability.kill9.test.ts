// Durability: a verification acknowledged with 201 survives `kill -9` of the real server and is checkable after restart.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SECRET = 'kill9-test-secret-0123456789-abcdefghijk';
const LIVE_KEY = 'otpd_live_kill9_bootstrap_key_0123456789abcdef';

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
function ensureBuilt(): void {
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

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

let dir: string;
let baseEnv: Record<string, string>;
const children: ChildProcess[] = [];

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTPD_')) env[k] = v;
  return { ...env, NODE_ENV: 'development', ...baseEnv, ...extra };
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv({}), encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`otpd ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/** Starts `serve` on a free port and waits until /readyz answers. */
async function startServe(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env: childEnv({ OTPD_PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
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
    if (Date.now() > deadline) throw new Error(`serve did not get ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'otpd-kill9-'));
  baseEnv = { OTPD_DATABASE_URL: `sqlite:${join(dir, 'otpd.sqlite')}`, OTPD_SECRET: SECRET, OTPD_BOOTSTRAP_API_KEY: LIVE_KEY, OTPD_HOST: '127.0.0.1' };
}, 180_000);

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await exited(c);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9', () => {
  it('keeps an acknowledged verification, its spent attempt and the signing key across a SIGKILL', async () => {
    cli(['accounts', 'create', 'default']);
    const sandboxKey = /^(otpd_test_\S+)$/m.exec(cli(['keys', 'create', '--account', 'default', '--sandbox']))?.[1];
    expect(sandboxKey).toBeDefined();

    const first = await startServe();
    // One verification approved before the crash: its proof token must still verify afterwards.
    const early = await call(first.url, sandboxKey!, 'POST', '/v1/verifications', { to: '+14155550181', channel: 'sms' });
    expect(early.status).toBe(201);
    const approved = await call(first.url, sandboxKey!, 'POST', `/v1/verifications/${early.body.id}/check`, { code: early.body.code });
    expect(approved.body.reason).toBe('approved');

    const created = await call(first.url, sandboxKey!, 'POST', '/v1/verifications', { to: '+14155550180', channel: 'sms' });
    expect(created.status).toBe(201);
    const { id, code } = created.body as { id: string; code: string };
    const wrong = await call(first.url, sandboxKey!, 'POST', `/v1/verifications/${id}/check`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body).toMatchObject({ reason: 'incorrect_code', attempts_remaining: 4 });

    // The live (bootstrap) key works, so the server really seeded it.
    expect((await call(first.url, LIVE_KEY, 'GET', `/v1/verifications/${id}`)).status).toBe(200);

    process.kill(first.child.pid!, 'SIGKILL');
    expect(await exited(first.child)).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await startServe();
    const after = await call(second.url, sandboxKey!, 'GET', `/v1/verifications/${id}`);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ id, status: 'pending', attempts_remaining: 4 });

    const ok = await call(second.url, sandboxKey!, 'POST', `/v1/verifications/${id}/check`, { code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id, status: 'approved', valid: true, reason: 'approved' });
    expect(typeof ok.body.token).toBe('string');

    const proof = await call(second.url, sandboxKey!, 'POST', '/v1/tokens/verify', { token: approved.body.token });
    expect(proof.status).toBe(200);
    expect(proof.body.valid).toBe(true);
    expect(proof.body.claims.verification_id).toBe(early.body.id);

    second.child.kill('SIGTERM');
    expect((await exited(second.child)).code).toBe(0);
  });
});
