// loadConfig: unknown and invalid OTPD_* settings fail naming the setting; the dev secret is generated once and reused; OTPD_CONFIG files.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

  it('mounts every dialect under its default prefix unless OTPD_DIALECTS says otherwise', () => {
    const env = (v?: string) => ({ OTPD_SECRET: SECRET, OTPD_DATABASE_URL: freshDb().url, ...(v === undefined ? {} : { OTPD_DIALECTS: v }) });
    expect(loadConfig(env()).dialects.map((d) => [d.name, d.prefix])).toEqual([
      ['twilio', '/twilio'], ['d7', '/d7'], ['getotp', '/getotp'], ['eko', '/eko'], ['paytm', '/paytm'], ['snap', '/snap'],
    ]);
    expect(loadConfig(env('none')).dialects).toEqual([]);
    expect(loadConfig(env('twilio=/compat/twilio, d7=:8091')).dialects).toEqual([
      { name: 'twilio', prefix: '/compat/twilio', port: null },
      { name: 'd7', prefix: null, port: 8091 },
    ]);
    expect(failure(env('twillio')).message).toMatch(/OTPD_DIALECTS: unknown dialect 'twillio'/);
    expect(failure(env('twilio=/x,d7=/x')).message).toMatch(/same place/);
    expect(failure(env('twilio=/v1')).message).toMatch(/shadow the native API/);
    expect(failure(env('twilio=x')).message).toMatch(/NAME=\/path or NAME=:port/);
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

describe('OTPD_CONFIG file', () => {
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads JSON settings, lists and secrets named by env var; the environment wins', () => {
    const path = file(
      'otpd.json',
      JSON.stringify({
        SMS_PROVIDERS: ['vonage', 'twilio'],
        VONAGE_API_KEY: 'vkey',
        VONAGE_API_SECRET: { env: 'MY_VONAGE_SECRET' },
        VONAGE_FROM: 'Acme',
        CODE_LENGTH: 8,
        PORT: 9000,
      }),
    );
    const c = loadConfig({ OTPD_CONFIG: path, OTPD_SECRET: SECRET, OTPD_DATABASE_URL: freshDb().url, MY_VONAGE_SECRET: 'from-env', OTPD_PORT: '9100' });
    expect(c.configFile).toBe(path);
    expect(c.smsProviders).toEqual(['vonage', 'twilio']);
    expect(c.vonageApiSecret).toBe('from-env');
    expect(c.codeLength).toBe(8);
    expect(c.port).toBe(9100);
  });

  it('reads YAML the same way', () => {
    const path = file('otpd.yaml', 'SMTP_URL: smtp://mail.example.com:587\nEMAIL_FROM: "Acme <no-reply@acme.test>"\nRETENTION_DAYS: 3\n');
    const c = loadConfig({ OTPD_CONFIG: path, OTPD_SECRET: SECRET, OTPD_DATABASE_URL: freshDb().url });
    expect(c.smtpUrl).toBe('smtp://mail.example.com:587');
    expect(c.emailFrom).toBe('Acme <no-reply@acme.test>');
    expect(c.retentionDays).toBe(3);
  });

  it('refuses unknown keys, bad values, unset secret env vars and unreadable files, naming them', () => {
    const base = { OTPD_SECRET: SECRET, OTPD_DATABASE_URL: freshDb().url };
    expect(() => loadConfig({ ...base, OTPD_CONFIG: file('a.json', '{"SMS_PROVIDER":"twilio"}') })).toThrow(/unknown setting SMS_PROVIDER/);
    expect(() => loadConfig({ ...base, OTPD_CONFIG: file('b.json', '{"CODE_LENGTH":42}') })).toThrow(/OTPD_CODE_LENGTH must be an integer from 4 to 10/);
    expect(() => loadConfig({ ...base, OTPD_CONFIG: file('c.json', '{"TWILIO_AUTH_TOKEN":{"env":"NOPE_NOT_SET"}}') })).toThrow(/NOPE_NOT_SET, which is not set/);
    expect(() => loadConfig({ ...base, OTPD_CONFIG: file('d.json', '{not json') })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, OTPD_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read/);
  });
});
