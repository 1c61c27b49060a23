// Two otpd nodes on one PostgreSQL: the attempt cap, single approval and one-pending rule hold across them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, postgresAvailable, POSTGRES_URL } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';

const run = postgresAvailable('two nodes on PostgreSQL');

describe.runIf(run)('two otpd nodes sharing PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const s = await freshSchema();
    drop = s.drop;
    const url = new URL(POSTGRES_URL!);
    url.searchParams.set('options', `-c search_path=${s.schema}`);
    const env = { OTPD_DATABASE_URL: url.toString(), OTPD_DATABASE_POOL_MAX: '20' };
    a = await startServer({ env });
    b = await startServer({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  const sandboxCreate = async (to: string) => {
    const r = await a.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: a.sandboxKey });
    expect(r.status).toBe(201);
    return r.body as { id: string; code: string };
  };

  it('200 concurrent wrong checks split across both nodes count exactly max_attempts', async () => {
    const { id, code } = await sandboxCreate('+14155550301');
    const wrong = code === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).req('POST', `/v1/verifications/${id}/check`, { code: wrong }, { key: a.sandboxKey })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.reason === 'incorrect_code')).toHaveLength(5);
    expect(results.filter((r) => r.body.reason === 'max_attempts_reached')).toHaveLength(195);
    const right = await b.req('POST', `/v1/verifications/${id}/check`, { code }, { key: a.sandboxKey });
    expect(right.body).toMatchObject({ valid: false, reason: 'max_attempts_reached' });
  });

  it('50 concurrent correct checks across both nodes approve exactly once', async () => {
    const { id, code } = await sandboxCreate('+14155550302');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).req('POST', `/v1/verifications/${id}/check`, { code }, { key: a.sandboxKey })),
    );
    const approved = results.filter((r) => r.body.reason === 'approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]!.body.token).toMatch(/^ey/);
    expect(results.filter((r) => r.body.reason === 'already_used')).toHaveLength(49);
    // Both nodes verify the token, whichever signed it: the signing keys live in the database.
    for (const node of [a, b]) {
      const v = await node.req('POST', '/v1/tokens/verify', { token: approved[0]!.body.token });
      expect(v.body.valid).toBe(true);
    }
  });

  it('concurrent creates for one recipient on both nodes share one verification', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).req('POST', '/v1/verifications', { to: '+14155550303', channel: 'sms' }, { key: a.sandboxKey })),
    );
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
    // The rest were further sends of the same verification, refused by the cooldown.
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.code).toBe('resend_cooldown');
  });

  it('live sms created on both nodes are each delivered exactly once, by one of the two workers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await (i % 2 ? a : b).req('POST', '/v1/verifications', { to: `+14155550${600 + i}`, channel: 'sms' });
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    const delivered = (id: string) => [a, b].reduce((n, s) => n + s.consoleOut.text.split('\n').filter((l) => l.includes(`(${id})`)).length, 0);
    for (let i = 0; i < 100 && !ids.every((id) => delivered(id) >= 1); i++) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 300));
    expect(ids.map(delivered)).toEqual(ids.map(() => 1));
  });
});
