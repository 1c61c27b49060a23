// Durability: a verification acknowledged with 201 survives `kill -9` of the real server and is checkable after restart.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exited, killAll, runCli, spawnServe, type ServeProcess } from './helpers/process.js';

const SECRET = 'kill9-test-secret-0123456789-abcdefghijk';
const LIVE_KEY = 'otpd_live_kill9_bootstrap_key_0123456789abcdef';

let dir: string;
let baseEnv: Record<string, string>;
const children: ChildProcess[] = [];

function cli(args: string[]): string {
  const r = runCli(args, baseEnv);
  if (r.status !== 0) throw new Error(`otpd ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function startServe(): Promise<ServeProcess> {
  const p = await spawnServe(baseEnv);
  children.push(p.child);
  return p;
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
  await killAll(children);
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
