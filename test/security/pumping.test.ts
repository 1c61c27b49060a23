// SMS pumping: a burst of never-converting sends to one prefix is blocked; normal, converting traffic to another prefix is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { DEFAULT_PUMPING } from '../../src/guard/limits.js';
import { closeServer, jsonPeer, listenLocal } from '../helpers/provider.js';
import { startServer, waitFor, type TestServer } from '../helpers/server.js';
import type { Server } from 'node:http';

describe('SMS-pumping guard', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 2, 12, 0, 0));
  let s: TestServer;
  let hooks: Server;
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];

  beforeAll(async () => {
    s = await startServer({ clock });
    hooks = jsonPeer((_req, body) => (events.push(JSON.parse(body)), { status: 204 }));
    expect((await s.req('POST', '/v1/webhooks', { url: await listenLocal(hooks), events: ['fraud.prefix_blocked'] })).status).toBe(201);
  });
  afterAll(async () => {
    await s.close();
    await closeServer(hooks);
  });

  it('blocks the attacked prefix, keeps serving the converting one, and an operator can lift the block', async () => {
    // A quiet baseline for both prefixes over the previous day: a few sends an hour that convert.
    let n = 0;
    const normal = () => `+4915112${String(100_000 + n++).padStart(6, '0')}`; // DE mobile, prefix +49151
    const attacked = () => `+3361234${String(1000 + n++).padStart(4, '0')}`; // FR mobile, prefix +33612
    const converted = async (to: string) => {
      const c = await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: s.sandboxKey });
      expect(c.status).toBe(201);
      expect((await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: s.sandboxKey })).body.valid).toBe(true);
    };
    for (let h = 0; h < 24; h++) {
      await converted(normal());
      await converted(attacked());
      clock.advance(3_600_000);
    }

    // The attack: up to 150 sends to the French prefix, one every 10 s, that never convert, mixed with
    // normal German traffic that does.
    let blockedAt = -1;
    for (let i = 0; i < 150; i++) {
      clock.advance(10_000);
      const r = await s.req('POST', '/v1/verifications', { to: attacked(), channel: 'sms' }, { key: s.sandboxKey });
      if (r.status === 429) {
        expect(r.body).toMatchObject({ code: 'rate_limited', limit: 'fraud_prefix_blocked' });
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(11 * 3600);
        if (blockedAt < 0) blockedAt = i;
      } else expect(r.status).toBe(201);
      if (i % 4 === 0) await converted(normal());
    }
    // Blocked once 50 sends (the detector's minimum volume) are older than the 3-minute grace that
    // lets real users type their code: after the 50th + 18 sends (3 minutes at one per 10 s), not before.
    const graceSends = DEFAULT_PUMPING.conversion_grace_seconds / 10;
    expect(blockedAt).toBeGreaterThanOrEqual(DEFAULT_PUMPING.min_sends - 1 + graceSends - 1);
    // Sends are counted per minute, so the grace rounds up to a whole minute: up to 6 sends more.
    expect(blockedAt).toBeLessThanOrEqual(DEFAULT_PUMPING.min_sends - 1 + graceSends + 6);
    // Normal traffic keeps flowing.
    await converted(normal());

    const ev = await waitFor('fraud.prefix_blocked event', () => events.find((e) => e.type === 'fraud.prefix_blocked'));
    expect(ev.data['prefix']).toBe('+33612');
    expect(await s.req('GET', '/metrics', undefined, { key: null }).then((m) => m.text)).toMatch(/otpd_fraud_prefix_blocks_total 1/);

    // Still blocked an hour later; lifted by the operator.
    clock.advance(3_600_000);
    expect((await s.req('POST', '/v1/verifications', { to: attacked(), channel: 'sms' }, { key: s.sandboxKey })).status).toBe(429);
    expect(await s.otpd.guard.unblock('+33612')).toBe(1);
    expect((await s.req('POST', '/v1/verifications', { to: attacked(), channel: 'sms' }, { key: s.sandboxKey })).status).toBe(201);
  });
});
