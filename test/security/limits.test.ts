// Rate limits and geo permissions: each trips with 429 rate_limited (Retry-After, the limit's name) or 403 geo_not_allowed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('rate limits and geo permissions', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 3, 9, 0, 0));
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ clock, env: { OTPD_RATE_LIMITS: 'account_creates_per_second=30', OTPD_PUMPING_GUARD: 'min_sends=0' } });
  });
  afterAll(async () => s.close());
  const create = (to: string, extra: Record<string, unknown> = {}) => s.req('POST', '/v1/verifications', { to, channel: 'sms', ...extra }, { key: s.sandboxKey });

  it('recipient sends: 5 per 10 minutes, counting creates and resends', async () => {
    const to = '+14155553001';
    const first = await create(to);
    expect(first.status).toBe(201);
    for (let i = 0; i < 4; i++) {
      clock.advance(31_000);
      expect((await s.req('POST', `/v1/verifications/${first.body.id}/resend`, undefined, { key: s.sandboxKey })).status).toBe(200);
    }
    clock.advance(31_000);
    await s.req('POST', `/v1/verifications/${first.body.id}/cancel`, undefined, { key: s.sandboxKey });
    const sixth = await create(to);
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ code: 'rate_limited', limit: 'recipient_sends_per_10min' });
    const wait = Number(sixth.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(600);
    clock.advance(wait * 1000);
    expect((await create(to)).status).toBe(201);
  });

  it('per end-user IP: creates and checks per minute, only for the IP the app passes', async () => {
    for (let i = 0; i < 10; i++) expect((await create(`+1415555310${i}`, { client_ip: '203.0.113.7' })).status).toBe(201);
    const over = await create('+14155553110', { client_ip: '203.0.113.7' });
    expect(over.body).toMatchObject({ code: 'rate_limited', limit: 'ip_creates_per_minute' });
    expect((await create('+14155553111', { client_ip: '203.0.113.8' })).status).toBe(201);
    const id = (await create('+14155553112')).body.id as string;
    let last;
    for (let i = 0; i < 31; i++) last = await s.req('POST', `/v1/verifications/${id}/check`, { code: '1', client_ip: '2001:db8::1' }, { key: s.sandboxKey });
    expect(last!.body).toMatchObject({ code: 'rate_limited', limit: 'ip_checks_per_minute' });
    clock.advance(60_000);
  });

  it('per account: creates per second (installation setting), then per-account overrides', async () => {
    clock.advance(1_000);
    let refused = 0;
    for (let i = 0; i < 35; i++) if ((await create(`+1415555${3200 + i}`)).status === 429) refused++;
    expect(refused).toBe(5);
    clock.advance(1_000);
    const account = (await s.otpd.store.findAccountByName('default'))!;
    await s.otpd.store.setAccountSettings(account.id, { guard: { limits: { account_creates_per_second: 2 } } });
    const { key } = await s.otpd.accounts.createKey('default', { sandbox: true });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await s.req('POST', '/v1/verifications', { to: `+1415555${3300 + i}`, channel: 'sms' }, { key })).body.limit ?? 'ok');
    expect(codes).toEqual(['ok', 'ok', 'account_creates_per_second']);
    await s.otpd.store.setAccountSettings(account.id, {});
    clock.advance(10_000);
  });

  it('geo: countries outside the allow list and premium-rate numbers get 403 geo_not_allowed', async () => {
    const account = (await s.otpd.store.findAccountByName('default'))!;
    await s.otpd.store.setAccountSettings(account.id, { guard: { countries: { sms: ['US', 'DE'] } } });
    const { key } = await s.otpd.accounts.createKey('default', { sandbox: true });
    const as = (to: string) => s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key });
    expect((await as('+4915112345001')).status).toBe(201);
    const fr = await as('+33612345001');
    expect(fr.status).toBe(403);
    expect(fr.body).toMatchObject({ code: 'geo_not_allowed' });
    const premium = await as('+19002345678');
    expect(premium.status).toBe(403);
    expect(premium.body.detail).toMatch(/premium-rate/);
    // The allow list is per channel: email is untouched, and whatsapp has no list.
    expect((await s.req('POST', '/v1/verifications', { to: '+33612345002', channel: 'whatsapp' }, { key })).status).toBe(201);
    await s.otpd.store.setAccountSettings(account.id, {});
  });

  it('risk_check: disable needs the risk_override scope', async () => {
    const denied = await create('+14155553401', { risk_check: 'disable' });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    const { key } = await s.otpd.accounts.createKey('default', { sandbox: true, scopes: ['verifications', 'risk_override'] });
    expect((await s.req('POST', '/v1/verifications', { to: '+14155553402', channel: 'sms', risk_check: 'disable' }, { key })).status).toBe(201);
  });

  it('scopes: a verifications-only key cannot reach templates or webhooks; an admin-only key cannot create', async () => {
    const { key: v } = await s.otpd.accounts.createKey('default', { scopes: ['verifications'] });
    expect((await s.req('GET', '/v1/templates', undefined, { key: v })).status).toBe(403);
    expect((await s.req('GET', '/v1/webhooks', undefined, { key: v })).body.code).toBe('forbidden');
    const { key: a, record } = await s.otpd.accounts.createKey('default', { scopes: ['admin'] });
    expect((await s.req('GET', '/v1/templates', undefined, { key: a })).status).toBe(200);
    expect((await s.req('POST', '/v1/verifications', { to: '+14155553501', channel: 'sms' }, { key: a })).status).toBe(403);
    // Last use is recorded, to the minute.
    await new Promise((r) => setTimeout(r, 50));
    const stored = (await s.otpd.store.listApiKeys()).find((k) => k.id === record.id)!;
    expect(stored.lastUsedAt).toBe(Math.floor(clock.now() / 60_000) * 60_000);
  });
});

describe('recipient send limits over the hour and the day', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 3, 9, 0, 0));
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      clock,
      env: { OTPD_RATE_LIMITS: 'recipient_sends_per_10min=2,recipient_sends_per_hour=3,recipient_sends_per_day=4', OTPD_PUMPING_GUARD: 'min_sends=0' },
    });
  });
  afterAll(async () => s.close());
  const to = '+14155553101';
  /** A create for the recipient, canceled at once when it went through (so the next one is a create, not a resend). */
  const send = async (): Promise<{ status: number; limit?: string; retryAfter: number }> => {
    const r = await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: s.sandboxKey });
    if (r.status === 201) await s.req('POST', `/v1/verifications/${r.body.id}/cancel`, undefined, { key: s.sandboxKey });
    return { status: r.status, limit: r.body.limit, retryAfter: Number(r.headers.get('retry-after')) };
  };

  it('sends in earlier 10-minute windows count towards the hour and the day; refused sends count nowhere', async () => {
    expect((await send()).status).toBe(201);
    expect((await send()).status).toBe(201);
    expect(await send()).toMatchObject({ status: 429, limit: 'recipient_sends_per_10min' });
    clock.advance(10 * 60_000); // 09:10: a new 10-minute window, the same hour and day
    expect((await send()).status).toBe(201);
    const hour = await send();
    expect(hour).toMatchObject({ status: 429, limit: 'recipient_sends_per_hour' });
    expect(hour.retryAfter).toBe(50 * 60);
    clock.advance(50 * 60_000); // 10:00: a new hour, the same day
    expect((await send()).status).toBe(201);
    clock.advance(10 * 60_000);
    const day = await send();
    expect(day).toMatchObject({ status: 429, limit: 'recipient_sends_per_day' });
    expect(day.retryAfter).toBe(14 * 3600 - 10 * 60);
  });
});

