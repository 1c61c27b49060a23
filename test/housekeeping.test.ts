// Housekeeping: verifications are purged once the retention after their expiry has passed, not before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ clock, env: { OTPD_RETENTION_DAYS: '7' } });
});
afterAll(async () => s.close());

describe('housekeeping', () => {
  it('keeps a verification for the retention period after expiry, then purges it', async () => {
    const created = await s.req('POST', '/v1/verifications', { to: '+14155550401', channel: 'sms' }, { key: s.sandboxKey });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const idem = await s.req('POST', '/v1/verifications', { to: '+14155550402', channel: 'sms' }, { key: s.sandboxKey, headers: { 'idempotency-key': 'hk-1' } });
    expect(idem.status).toBe(201);

    clock.advance(6 * DAY);
    expect(await s.otpd.housekeeping.run()).toEqual({ expired: 2, verifications: 0, idempotencyKeys: 1, dialectState: 0, webhookDeliveries: 0 });
    expect((await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey })).status).toBe(200);

    clock.advance(2 * DAY);
    expect(await s.otpd.housekeeping.run()).toEqual({ expired: 0, verifications: 2, idempotencyKeys: 0, dialectState: 0, webhookDeliveries: 0 });
    expect((await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey })).status).toBe(404);
  });
});
