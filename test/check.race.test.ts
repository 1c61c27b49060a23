// Property: concurrent checks are counted atomically: 200 parallel wrong guesses spend exactly max_attempts, 50 parallel right answers approve exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

/** A code of the same shape that is certainly not `code`. */
const wrongFor = (code: string): string => (code === '000000' ? '111111' : '000000');

/** Fires `n` checks of `code` against `id` at once and waits for all of them. */
async function parallelChecks(id: string, code: string, n: number): Promise<TestResponse[]> {
  const fired = Array.from({ length: n }, () => s.req('POST', `/v1/verifications/${id}/check`, { code }, { key: s.sandboxKey }));
  return Promise.all(fired);
}

const countBy = (rs: TestResponse[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rs) out[String(r.body?.reason)] = (out[String(r.body?.reason)] ?? 0) + 1;
  return out;
};

describe('check race', () => {
  it('counts exactly max_attempts (5) of 200 concurrent wrong checks', async () => {
    const created = await s.req('POST', '/v1/verifications', { to: '+14155550201', channel: 'sms' }, { key: s.sandboxKey });
    expect(created.status).toBe(201);
    const { id, code } = created.body as { id: string; code: string };
    expect(created.body.attempts_remaining).toBe(5);

    const rs = await parallelChecks(id, wrongFor(code), 200);

    for (const r of rs) {
      expect(r.status).toBe(200);
      expect(r.body.valid).toBe(false);
      expect(r.body.token).toBeUndefined();
    }
    expect(countBy(rs)).toEqual({ incorrect_code: 5, max_attempts_reached: 195 });
    // The five counted attempts saw every remaining count from 4 down to 0 exactly once.
    const remaining = rs.filter((r) => r.body.reason === 'incorrect_code').map((r) => r.body.attempts_remaining as number);
    expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);

    const after = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ id, status: 'max_attempts_reached', attempts_remaining: 0 });

    // The budget is spent for good: even the right code is refused now.
    const right = await s.req('POST', `/v1/verifications/${id}/check`, { code }, { key: s.sandboxKey });
    expect(right.body).toMatchObject({ valid: false, reason: 'max_attempts_reached', attempts_remaining: 0 });
    expect(right.body.token).toBeUndefined();
  });

  it('approves exactly one of 50 concurrent correct checks; the other 49 are already_used', async () => {
    const created = await s.req('POST', '/v1/verifications', { to: '+14155550202', channel: 'sms' }, { key: s.sandboxKey });
    expect(created.status).toBe(201);
    const { id, code } = created.body as { id: string; code: string };

    const rs = await parallelChecks(id, code, 50);

    for (const r of rs) expect(r.status).toBe(200);
    expect(countBy(rs)).toEqual({ approved: 1, already_used: 49 });
    const approved = rs.filter((r) => r.body.reason === 'approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]!.body).toMatchObject({ id, valid: true, status: 'approved' });
    expect(approved[0]!.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const tokens = rs.filter((r) => typeof r.body.token === 'string');
    expect(tokens).toHaveLength(1);
    for (const r of rs.filter((x) => x.body.reason === 'already_used')) {
      expect(r.body).toMatchObject({ id, valid: false, status: 'approved' });
      expect(r.body.token).toBeUndefined();
    }

    const after = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey });
    expect(after.body.status).toBe('approved');
  });
});
