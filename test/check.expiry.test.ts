// Property: a code is refused as expired once its ttl has passed, and accepted right up to expires_at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestServer } from './helpers/server.js';

let s: TestServer;
const clock = new ManualClock();
beforeAll(async () => {
  s = await startServer({ clock });
});
afterAll(async () => s.close());

async function create(to: string): Promise<{ id: string; code: string; expiresAt: number }> {
  const r = await s.req('POST', '/v1/verifications', { to, channel: 'sms', ttl: 60 }, { key: s.sandboxKey });
  expect(r.status).toBe(201);
  const expiresAt = Date.parse(r.body.expires_at as string);
  expect(expiresAt - Date.parse(r.body.created_at as string)).toBe(60_000);
  expect(expiresAt).toBe(clock.now() + 60_000);
  return { id: r.body.id, code: r.body.code, expiresAt };
}

describe('expiry', () => {
  it('refuses the right code 1 s after expires_at with reason expired; GET shows expired', async () => {
    const { id, code, expiresAt } = await create('+14155550401');
    clock.set(expiresAt + 1_000);

    const r = await s.req('POST', `/v1/verifications/${id}/check`, { code }, { key: s.sandboxKey });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, valid: false, reason: 'expired', status: 'expired' });
    expect(r.body.token).toBeUndefined();

    const g = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey });
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ id, status: 'expired' });
  });

  it('control: approves the right code 1 s before expires_at', async () => {
    const { id, code, expiresAt } = await create('+14155550402');
    clock.set(expiresAt - 1_000);

    const r = await s.req('POST', `/v1/verifications/${id}/check`, { code }, { key: s.sandboxKey });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, valid: true, reason: 'approved', status: 'approved' });
    expect(typeof r.body.token).toBe('string');

    const g = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey });
    expect(g.body.status).toBe('approved');
  });
});
