// Brute force: an attacker who creates, resends and rotates verifications for one recipient as fast as the limits allow gets at most 15 guesses an hour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { DEFAULT_LIMITS } from '../../src/guard/limits.js';
import { codeFromConsole, startServer, type TestServer } from '../helpers/server.js';

/** The stated bound: the recipient's hourly budget of wrong codes, however the attacker rotates verifications. */
const MAX_GUESSES_PER_HOUR = DEFAULT_LIMITS.recipient_failed_checks_per_hour;

describe('brute force across rotated verifications', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 1, 10, 0, 0));
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ clock });
  });
  afterAll(async () => s.close());

  it(`gets at most ${MAX_GUESSES_PER_HOUR} counted guesses in an hour, and none after the budget is spent`, async () => {
    const to = '+14155552001';
    const end = clock.now() + 3_600_000;
    let guesses = 0;
    let refusedCreates = 0;
    while (clock.now() < end) {
      const created = await s.req('POST', '/v1/verifications', { to, channel: 'sms' });
      if (created.status === 429) {
        refusedCreates++;
        expect(created.body.code).toBe('rate_limited');
        expect(Number(created.headers.get('retry-after'))).toBeGreaterThan(0);
        clock.advance(30_000);
        continue;
      }
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      // The attacker never sees the code; the test reads it only to be sure each guess is wrong.
      const real = await codeFromConsole(s, id);
      const wrong = real === '000000' ? '111111' : '000000';
      for (let i = 0; i < 10; i++) {
        const r = await s.req('POST', `/v1/verifications/${id}/check`, { code: wrong });
        if (r.status === 200 && r.body.reason === 'incorrect_code') guesses++;
        else break;
      }
      // Try the resend path too: it never restores attempts.
      clock.advance(31_000);
      await s.req('POST', `/v1/verifications/${id}/resend`);
    }
    expect(guesses).toBeLessThanOrEqual(MAX_GUESSES_PER_HOUR);
    expect(guesses).toBeGreaterThanOrEqual(MAX_GUESSES_PER_HOUR - 4);
    expect(refusedCreates).toBeGreaterThan(0);
  });

  it('refuses checks by recipient while the budget is spent, and lets the recipient in again next hour', async () => {
    const to = '+14155552002';
    let rounds = 0;
    for (; rounds < 10; rounds++) {
      const c = await s.req('POST', '/v1/verifications', { to, channel: 'sms' });
      if (c.status === 429) {
        expect(c.body.limit).toBe('recipient_failed_checks_per_hour');
        break;
      }
      for (let i = 0; i < 5; i++) await s.req('POST', '/v1/verifications/check', { to, code: 'ZZZZZZ' });
      clock.advance(31_000);
    }
    expect(rounds).toBe(MAX_GUESSES_PER_HOUR / 5);
    const r = await s.req('POST', '/v1/verifications/check', { to, code: 'ZZZZZZ' });
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 'rate_limited', limit: 'recipient_failed_checks_per_hour' });
    clock.advance(3_600_000);
    const fresh = await s.req('POST', '/v1/verifications', { to, channel: 'sms' });
    expect(fresh.status).toBe(201);
    const code = await codeFromConsole(s, fresh.body.id);
    expect((await s.req('POST', '/v1/verifications/check', { to, code })).body.valid).toBe(true);
  });
});
