// Property: after max_attempts wrong codes, even the right code is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

describe('attempt cap', () => {
  it('refuses the right code after max_attempts wrong ones', async () => {
    const created = await s.req('POST', '/v1/verifications', { to: '+14155550100', channel: 'sms', max_attempts: 3 }, { key: s.sandboxKey });
    expect(created.status).toBe(201);
    const { id, code } = created.body;
    const wrong = code === '000000' ? '111111' : '000000';
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await s.req('POST', `/v1/verifications/${id}/check`, { code: wrong }, { key: s.sandboxKey });
      expect(r.status).toBe(200);
      expect(r.body.reason).toBe('incorrect_code');
      remaining.push(r.body.attempts_remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const right = await s.req('POST', `/v1/verifications/${id}/check`, { code }, { key: s.sandboxKey });
    expect(right.body).toMatchObject({ valid: false, reason: 'max_attempts_reached', status: 'max_attempts_reached', attempts_remaining: 0 });
    expect(right.body.token).toBeUndefined();
  });
});
