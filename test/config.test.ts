// loadConfig: unknown and invalid OTPD_* settings fail naming the setting; the dev secret is generated once and reused.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';

const SECRET = 'config-test-secret-0123456789-abcdefghij';
let dir: string;
let n = 0;
/** A sqlite URL in a fresh sub-folder of the test's temp dir. */
const freshDb = (): { folder: string; url: string } => {
  const folder = join(dir, `case-${n++}`);
  return { folder, url: `sqlite:${join(folder, 'otpd.sqlite')}` };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otpd-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(env: NodeJS.ProcessEnv): Error {
  try {
    loadConfig(env);
  } catch (e) {
    return e as Error;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it('rejects an unknown OTPD_ setting, naming it', () => {
    const e = failure({ OTPD_DATABASE_URL: freshDb().url, OTPD_SECRET: SECRET, OTPD_PROT: '8080' });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain('OTPD_PROT');
  });

  it('rejects OTPD_PORT=abc, naming OTPD_PORT', () => {
    const e = failure({ OTPD_DATABASE_URL: freshDb().url, OTPD_SECRET: SECRET, OTPD_PORT: 'abc' });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain('OTPD_PORT');
    expect(failure({ OTPD_DATABASE_URL: freshDb().url, OTPD_SECRET: SECRET, OTPD_PORT: '70000' }).message).toContain('OTPD_PORT');
  });

  it('parses valid settings', () => {
    const c = loadConfig({ OTPD_DATABASE_URL: freshDb().url, OTPD_SECRET: SECRET, OTPD_PORT: '9090', OTPD_MAX_ATTEMPTS: '7' });
    expect(c.port).toBe(9090);
    expect(c.maxAttempts).toBe(7);
    expect(c.secret).toBe(SECRET);
    expect(c.secretSource).toBe('env');
    expect(c.production).toBe(false);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('requires OTPD_SECRET when NODE_ENV=production, and writes no secret file', () => {
    const db = freshDb();
    const e = failure({ NODE_ENV: 'production', OTPD_DATABASE_URL: db.url });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain('OTPD_SECRET');
    expect(existsSync(join(db.folder, 'secret'))).toBe(false);
    const ok = loadConfig({ NODE_ENV: 'production', OTPD_DATABASE_URL: db.url, OTPD_SECRET: SECRET });
    expect(ok.production).toBe(true);
    expect(ok.secretSource).toBe('env');
  });

  it('generates a secret file in the data folder in development and reuses it on the next load', () => {
    const db = freshDb();
    const first = loadConfig({ OTPD_DATABASE_URL: db.url });
    expect(first.secretSource).toBe('generated');
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    const file = join(db.folder, 'secret');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secret);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);

    const second = loadConfig({ OTPD_DATABASE_URL: db.url });
    expect(second.secretSource).toBe('file');
    expect(second.secret).toBe(first.secret);

    const other = loadConfig({ OTPD_DATABASE_URL: freshDb().url });
    expect(other.secret).not.toBe(first.secret);
  });

  it('ignores OTPD_TEST_* (and OTPD_BENCH_*) variables', () => {
    const c = loadConfig({ OTPD_DATABASE_URL: freshDb().url, OTPD_SECRET: SECRET, OTPD_TEST_ANYTHING: 'x', OTPD_BENCH_RATE: '5' });
    expect(c.secret).toBe(SECRET);
  });
});
