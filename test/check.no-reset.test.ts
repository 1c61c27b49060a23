// Property: neither a resend nor a repeated create for the same recipient restores spent attempts; sends obey the cooldown and the send cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

const COOLDOWN_MS = 30_000; // the server's default OTPD_RESEND_COOLDOWN

let s: TestServer;
const clock = new ManualClock();
beforeAll(async () => {
  s = await startServer({ clock });
});
afterAll(async () => s.close());

function expectProblem(r: TestResponse, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
}

describe('no attempt reset', () => {
  it('keeps attempts spent across resend and re-create; refuses sends too soon and beyond the cap', async () => {
    const to = '+14155550301';
    const key = s.sandboxKey;
    const created = await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key });
    expect(created.status).toBe(201);
    const { id, code } = created.body as { id: string; code: string };
    expect(created.body.attempts_remaining).toBe(5);
    const wrong = code === '000000' ? '111111' : '000000';

    // Spend two attempts.
    for (const left of [4, 3]) {
      const r = await s.req('POST', `/v1/verifications/${id}/check`, { code: wrong }, { key });
      expect(r.body).toMatchObject({ valid: false, reason: 'incorrect_code', attempts_remaining: left });
    }

    // Too soon: both a resend and a create for the same recipient are refused with Retry-After.
    clock.advance(10_000);
    const early = await s.req('POST', `/v1/verifications/${id}/resend`, undefined, { key });
    expectProblem(early, 429, 'resend_cooldown');
    expect(early.headers.get('retry-after')).toBe('20');
    const earlyCreate = await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key });
    expectProblem(earlyCreate, 429, 'resend_cooldown');
    expect(earlyCreate.headers.get('retry-after')).toBe('20');

    // Send #2: a resend, after the cooldown. Same verification, same code, attempts not restored.
    clock.advance(COOLDOWN_MS - 10_000);
    const resent = await s.req('POST', `/v1/verifications/${id}/resend`, undefined, { key });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id, status: 'pending', attempts_remaining: 3, code });
    expect(resent.body.sends).toHaveLength(2);

    // Send #3: a new create for the same recipient (in another input format) returns the same verification.
    clock.advance(COOLDOWN_MS);
    const again = await s.req('POST', '/v1/verifications', { to: '+1 (415) 555-0301', channel: 'sms' }, { key });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id, status: 'pending', attempts_remaining: 3, code });
    expect(again.body.sends).toHaveLength(3);

    const got = await s.req('GET', `/v1/verifications/${id}`, undefined, { key });
    expect(got.body).toMatchObject({ id, status: 'pending', attempts_remaining: 3 });

    // Sends #4 and #5 are allowed; a sixth, by resend or by create, is max_sends_reached.
    for (const n of [4, 5]) {
      clock.advance(COOLDOWN_MS);
      const r = await s.req('POST', `/v1/verifications/${id}/resend`, undefined, { key });
      expect(r.status).toBe(200);
      expect(r.body.sends).toHaveLength(n);
      expect(r.body.attempts_remaining).toBe(3);
    }
    clock.advance(COOLDOWN_MS);
    expectProblem(await s.req('POST', `/v1/verifications/${id}/resend`, undefined, { key }), 429, 'max_sends_reached');
    expectProblem(await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key }), 429, 'max_sends_reached');

    const final = await s.req('GET', `/v1/verifications/${id}`, undefined, { key });
    expect(final.body).toMatchObject({ id, status: 'pending', attempts_remaining: 3 });
    expect(final.body.sends).toHaveLength(5);

    // The one code sent five times still works, and costs one of the three attempts left.
    const ok = await s.req('POST', `/v1/verifications/${id}/check`, { code }, { key });
    expect(ok.body).toMatchObject({ valid: true, reason: 'approved', attempts_remaining: 2 });
  });
});
