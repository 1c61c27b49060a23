// The built CLI (dist/src/cli/main.js) as an operator runs it: migrate, accounts, keys, errors, and serve's first-start key.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CACHE_TTL_MS } from '../src/http/auth.js';
import { childEnv, CLI, ensureBuilt, exited, killAll, ROOT, runCli } from './helpers/process.js';
const SECRET = 'cli-test-secret-0123456789-abcdefghijklmn';

const cli = runCli;

interface Served {
  child: ChildProcess;
  out: { text: string };
  address: string;
}

const children: ChildProcess[] = [];

/** Spawns `serve` and resolves once it logged its "otpd ready" line with the bound address. */
function serve(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { text: '' };
  let err = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not get ready:\n${out.text}\n${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.stdout!.on('data', (c: Buffer) => {
      out.text += c.toString('utf8');
      for (const line of out.text.split('\n')) {
        if (!line.startsWith('{')) continue;
        let j: { msg?: string; address?: string };
        try {
          j = JSON.parse(line) as typeof j;
        } catch {
          continue;
        }
        if (j.msg?.startsWith('otpd ready') && j.address) {
          clearTimeout(timer);
          resolvePromise({ child, out, address: j.address });
          return;
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (code ${code}, signal ${signal}):\n${out.text}\n${err}`));
    });
  });
}

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'otpd-cli-'));
}, 180_000);

afterAll(async () => {
  await killAll(children);
  rmSync(dir, { recursive: true, force: true });
});

describe('otpd CLI', () => {
  const env = (): Record<string, string> => ({ OTPD_DATABASE_URL: `sqlite:${join(dir, 'admin', 'otpd.sqlite')}`, OTPD_SECRET: SECRET });

  it('migrate creates the schema', () => {
    const r = cli(['migrate'], env());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('schema is up to date (sqlite)');
    expect(cli(['migrate'], env()).status).toBe(0);
  });

  it('accounts create, keys create/list/revoke', () => {
    const acc = cli(['accounts', 'create', 'acme'], env());
    expect(acc.status).toBe(0);
    expect(acc.stdout).toMatch(/created account acme \(acc_[0-9A-Z]{26}\)/);
    const dup = cli(['accounts', 'create', 'acme'], env());
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain('already exists');

    const created = cli(['keys', 'create', '--account', 'acme', '--sandbox'], env());
    expect(created.status).toBe(0);
    const keyId = /\b(key_[0-9A-Z]{26})\b/.exec(created.stdout)?.[1];
    const key = /^(otpd_test_\S+)$/m.exec(created.stdout)?.[1];
    expect(keyId).toBeDefined();
    expect(key).toBeDefined();
    expect(key!.length).toBeGreaterThan(30);

    const list = cli(['keys', 'list', '--account', 'acme'], env());
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(keyId!);
    expect(list.stdout).not.toContain(key!);
    expect(list.stdout).toContain(key!.slice(0, 14));
    expect(list.stdout).toMatch(new RegExp(`${keyId}.*sandbox.*active`));

    const revoked = cli(['keys', 'revoke', keyId!], env());
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${keyId}`);
    expect(cli(['keys', 'list', '--account', 'acme'], env()).stdout).toMatch(new RegExp(`${keyId}.*revoked`));
    const again = cli(['keys', 'revoke', keyId!], env());
    expect(again.status).not.toBe(0);
  });

  it('keys with scopes, guard settings, fraud blocks and dialect credentials', () => {
    expect(cli(['accounts', 'create', 'guarded'], env()).status).toBe(0);
    const k = cli(['keys', 'create', '--account', 'guarded', '--scopes', 'verifications,risk_override'], env());
    expect(k.stdout).toMatch(/\(verifications, risk_override\)/);
    expect(cli(['keys', 'list', '--account', 'guarded'], env()).stdout).toMatch(/scopes=verifications,risk_override .*active {2}never used/);
    expect(cli(['keys', 'create', '--account', 'guarded', '--scopes', 'root'], env()).stderr).toMatch(/scopes must be/);

    const lim = cli(['accounts', 'set-limits', 'guarded', 'recipient_sends_per_hour=3,min_sends=10'], env());
    expect(lim.stdout).toContain('"recipient_sends_per_hour":3');
    expect(lim.stdout).toContain('"min_sends":10');
    expect(cli(['accounts', 'set-limits', 'guarded', 'sends=3'], env()).stderr).toMatch(/unknown rate limit 'sends'/);
    const geo = cli(['accounts', 'set-geo', 'guarded', 'sms=us,gb;voice=US', '--block-types', 'PREMIUM_RATE,VOIP'], env());
    expect(geo.stdout).toContain('"sms":["US","GB"]');
    expect(geo.stdout).toContain('"blocked_number_types":["PREMIUM_RATE","VOIP"]');
    expect(cli(['accounts', 'set-geo', 'guarded', 'sms=USA'], env()).status).toBe(1);

    expect(cli(['fraud', 'list'], env()).stdout).toBe('');
    expect(cli(['fraud', 'unblock', '+33612'], env()).stdout).toContain('no block on +33612');

    const creds = cli(['credentials', 'create', '--account', 'guarded', '--dialect', 'd7'], env());
    expect(creds.status).toBe(0);
    const credId = /\b(cred_[0-9A-Z]{26})\b/.exec(creds.stdout)?.[1];
    expect(cli(['credentials', 'list'], env()).stdout).toMatch(new RegExp(`${credId}  d7 .*active`));
    expect(cli(['credentials', 'revoke', credId!], env()).stdout).toContain(`revoked ${credId}`);
    expect(cli(['credentials', 'create', '--account', 'guarded', '--dialect', 'nope'], env()).stderr).toMatch(/Unknown dialect 'nope'/);
  });

  it('an unknown command exits non-zero with the usage', () => {
    const r = cli(['frobnicate'], env());
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toContain('frobnicate');
    expect(r.stderr).toContain('Usage:');
  });

  it('an unknown option exits 2 with a one-line error and the usage, no stack trace', () => {
    const r = cli(['keys', 'list', '--bogus'], env());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
    expect(r.stderr).toContain('Usage:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown OTPD_ setting exits 1 naming it', () => {
    const r = cli(['migrate'], { ...env(), OTPD_FOO: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('OTPD_FOO');
    const s = cli(['serve'], { ...env(), OTPD_FOO: '1', OTPD_PORT: '0' });
    expect(s.status).toBe(1);
    expect(s.stderr).toContain('OTPD_FOO');
  });

  it('serve prints a generated live key on first start only, and that key works', async () => {
    const folder = join(dir, 'first-start');
    const senv = { OTPD_DATABASE_URL: `sqlite:${join(folder, 'otpd.sqlite')}`, OTPD_SECRET: SECRET, OTPD_PORT: '0', OTPD_HOST: '127.0.0.1' };

    const first = await serve(senv);
    const keys = first.out.text.match(/otpd_live_[A-Za-z0-9_-]+/g) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(key.length).toBeGreaterThan(40);
    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toEqual({ code: 0, signal: null });

    const second = await serve(senv);
    expect(second.out.text).not.toContain('otpd_live_');
    const url = second.address;
    const create = await fetch(`${url}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+14155550123', channel: 'sms' }),
    });
    expect(create.status).toBe(201);
    const v = (await create.json()) as { id: string };
    const bad = await fetch(`${url}/v1/verifications/${v.id}`, { headers: { authorization: `Bearer otpd_live_${'x'.repeat(43)}` } });
    expect(bad.status).toBe(401);

    // A key made and revoked with the CLI while the server runs on the same database.
    const made = cli(['keys', 'create', '--account', 'default'], senv);
    const extra = /^(otpd_live_\S+)$/m.exec(made.stdout)?.[1];
    const extraId = /\b(key_[0-9A-Z]{26})\b/.exec(made.stdout)?.[1];
    expect(extra).toBeDefined();
    const get = (k: string) => fetch(`${url}/v1/verifications/${v.id}`, { headers: { authorization: `Bearer ${k}` } });
    expect((await get(extra!)).status).toBe(200);
    expect(cli(['keys', 'revoke', extraId!], senv).status).toBe(0);
    // Running servers cache a validated key for AUTH_CACHE_TTL_MS, so the revocation lands within that bound.
    const deadline = Date.now() + AUTH_CACHE_TTL_MS + 3000;
    let status = 0;
    while ((status = (await get(extra!)).status) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(status).toBe(401);
    expect((await get(key)).status).toBe(200);

    second.child.kill('SIGTERM');
    expect((await exited(second.child)).code).toBe(0);
  });
});
