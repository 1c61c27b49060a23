// Event webhooks: subscriptions, every lifecycle event signed per Standard Webhooks, retries for 24 h+, then given up.
import type { IncomingHttpHeaders, Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { EVENT_TYPES } from '../src/core/events.js';
import { RETRY_DELAYS_MS } from '../src/webhooks/schedule.js';
import { closeServer, jsonPeer, listenLocal } from './helpers/provider.js';
import { codeFromConsole, startServer, waitFor, type TestServer } from './helpers/server.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, any> };
}

/** A receiver on 127.0.0.1 that records every POST and answers with `status()`. */
async function receiver(status: () => number = () => 204): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = jsonPeer((req, body) => {
    got.push({ headers: req.headers, body, json: JSON.parse(body) });
    return { status: status() };
  });
  return { url: await listenLocal(server), got, server };
}

const ALL = EVENT_TYPES.filter((t) => t.startsWith('verification.'));

describe('event webhooks', () => {
  let s: TestServer;
  let r: Awaited<ReturnType<typeof receiver>>;
  let secret: string;
  let subId: string;
  const of = (id: string, type: string) => r.got.find((g) => g.json.data['id'] === id && g.json.type === type);

  beforeAll(async () => {
    s = await startServer();
    r = await receiver();
    const sub = await s.req('POST', '/v1/webhooks', { url: `${r.url}/hooks`, events: ALL });
    expect(sub.status).toBe(201);
    expect(sub.body.secret).toMatch(/^whsec_/);
    secret = sub.body.secret;
    subId = sub.body.id;
  });
  afterAll(async () => {
    await s.close();
    await closeServer(r.server);
  });

  it('announces created, delivered and approved, signed, with reference, metadata and payload', async () => {
    const created = await s.req('POST', '/v1/verifications', {
      to: '+14155550601', channel: 'sms', reference: 'order-9', metadata: { user: 'u1' }, payload: { cart: [1, 2], note: 'x' },
    });
    expect(created.status).toBe(201);
    expect(created.body.payload).toEqual({ cart: [1, 2], note: 'x' });
    const id = created.body.id as string;
    const code = await codeFromConsole(s, id);
    expect((await s.req('POST', `/v1/verifications/${id}/check`, { code })).body.valid).toBe(true);

    const approved = await waitFor('approved event', () => of(id, 'verification.approved'));
    const first = await waitFor('created event', () => of(id, 'verification.created'));
    const delivered = await waitFor('delivered event', () => of(id, 'verification.delivered'));
    for (const e of [first, delivered, approved]) {
      // Throws unless the signature over id, timestamp and body is valid for this subscription's secret.
      expect(() => new Webhook(secret).verify(e.body, e.headers as Record<string, string>)).not.toThrow();
      expect(e.json.data).toMatchObject({ id, reference: 'order-9', metadata: { user: 'u1' }, payload: { cart: [1, 2], note: 'x' }, channel: 'sms' });
    }
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(approved.body, approved.headers as Record<string, string>)).toThrow();
    expect(delivered.json.data['send']).toMatchObject({ channel: 'sms', provider: 'console', status: 'sent' });
    expect(approved.json.data['status']).toBe('approved');
    // Nothing in an event carries the code.
    expect(r.got.map((g) => g.body).join('\n')).not.toContain(code);
  });

  it('announces max_attempts_reached and canceled', async () => {
    const a = (await s.req('POST', '/v1/verifications', { to: '+14155550602', channel: 'sms' })).body.id as string;
    for (let i = 0; i < 5; i++) await s.req('POST', `/v1/verifications/${a}/check`, { code: 'ZZZZZZ' });
    const maxed = await waitFor('max attempts event', () => of(a, 'verification.max_attempts_reached'));
    expect(maxed.json.data['attempts']).toBe(5);

    const b = (await s.req('POST', '/v1/verifications', { to: '+14155550603', channel: 'sms' })).body.id as string;
    expect((await s.req('POST', `/v1/verifications/${b}/cancel`)).status).toBe(200);
    expect((await waitFor('canceled event', () => of(b, 'verification.canceled'))).json.data['status']).toBe('canceled');
  });

  it('announces delivery_failed when the only provider refuses the message for good', async () => {
    const hook = jsonPeer(() => ({ status: 400, json: { error: 'bad' } }));
    const hookUrl = await listenLocal(hook);
    try {
      await s.otpd.accounts.setWebhook('default', `${hookUrl}/deliver`);
      const id = (await s.req('POST', '/v1/verifications', { to: '+14155550604', channel: 'webhook' })).body.id as string;
      const failed = await waitFor('delivery_failed event', () => of(id, 'verification.delivery_failed'));
      expect(failed.json.data['send']).toMatchObject({ channel: 'webhook', provider: 'webhook', status: 'undeliverable' });
    } finally {
      await closeServer(hook);
    }
  });

  it('lists, inspects, filters by event type, and deletes subscriptions; other accounts see nothing', async () => {
    const only = await receiver();
    try {
      const sub = await s.req('POST', '/v1/webhooks', { url: only.url, events: ['verification.canceled'] });
      expect(sub.status).toBe(201);
      const id = (await s.req('POST', '/v1/verifications', { to: '+14155550605', channel: 'sms' })).body.id as string;
      await s.req('POST', `/v1/verifications/${id}/cancel`);
      await waitFor('canceled event at the filtered URL', () => only.got.find((g) => g.json.data['id'] === id));
      await waitFor('created event at the catch-all URL', () => of(id, 'verification.created'));
      expect(only.got.map((g) => g.json.type)).toEqual(['verification.canceled']);

      const list = await s.req('GET', '/v1/webhooks');
      expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([subId, sub.body.id]);
      expect(list.text).not.toContain('whsec_');
      const deliveries = await s.req('GET', `/v1/webhooks/${sub.body.id}/deliveries`);
      expect(deliveries.body.deliveries).toEqual([expect.objectContaining({ type: 'verification.canceled', status: 'delivered', attempts: 1 })]);

      await s.otpd.accounts.create('other');
      const { key } = await s.otpd.accounts.createKey('other');
      expect((await s.req('GET', `/v1/webhooks/${sub.body.id}`, undefined, { key })).status).toBe(404);
      expect((await s.req('DELETE', `/v1/webhooks/${sub.body.id}`, undefined, { key })).status).toBe(404);
      expect((await s.req('DELETE', `/v1/webhooks/${sub.body.id}`)).status).toBe(204);
      expect((await s.req('GET', `/v1/webhooks/${sub.body.id}`)).status).toBe(404);
    } finally {
      await closeServer(only.server);
    }
  });

  it('refuses bad subscriptions and oversized payloads with 400 and a field list', async () => {
    const bad = [
      { url: 'ftp://x', events: ['verification.created'] },
      { url: 'http://127.0.0.1:1/x', events: ['verification.nope'] },
      { url: 'http://127.0.0.1:1/x', events: [] },
      { url: 'http://127.0.0.1:1/x' },
    ];
    for (const body of bad) {
      const res = await s.req('POST', '/v1/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors?.length ?? 0).toBeGreaterThan(0);
    }
    const big = await s.req('POST', '/v1/verifications', { to: '+14155550606', channel: 'sms', payload: { blob: 'x'.repeat(5000) } });
    expect(big.status).toBe(400);
    expect(big.body.errors[0].field).toBe('payload');
  });
});

describe('event webhook retries and expiry (injected clock)', () => {
  const clock = new ManualClock(Date.UTC(2026, 6, 1));
  let s: TestServer;
  let r: Awaited<ReturnType<typeof receiver>>;
  let answer = 500;

  beforeAll(async () => {
    s = await startServer({ clock });
    r = await receiver(() => answer);
  });
  afterAll(async () => {
    await s.close();
    await closeServer(r.server);
  });

  it('retries a failing receiver with the same webhook-id for more than 24 h, then gives up', async () => {
    const sub = (await s.req('POST', '/v1/webhooks', { url: r.url, events: ['verification.canceled'] })).body;
    const id = (await s.req('POST', '/v1/verifications', { to: '+14155550701', channel: 'sms' }, { key: s.sandboxKey })).body.id as string;
    await s.req('POST', `/v1/verifications/${id}/cancel`, undefined, { key: s.sandboxKey });
    await waitFor('first attempt', () => (r.got.length === 1 ? true : undefined));
    const start = clock.now();
    for (let i = 0; i < RETRY_DELAYS_MS.length; i++) {
      clock.advance(RETRY_DELAYS_MS[i]! * 1.1 + 1);
      await s.otpd.webhooks.drain();
      expect(r.got.length).toBe(i + 2);
    }
    expect(new Set(r.got.map((g) => g.headers['webhook-id'])).size).toBe(1);
    expect(clock.now() - start).toBeGreaterThan(24 * 3_600_000);
    const d = (await s.req('GET', `/v1/webhooks/${sub.id}/deliveries`)).body.deliveries[0];
    expect(d).toMatchObject({ status: 'failed', attempts: RETRY_DELAYS_MS.length + 1, last_error: 'HTTP 500' });
    // Given up: no further attempts, however long we wait.
    clock.advance(48 * 3_600_000);
    await s.otpd.webhooks.drain();
    expect(r.got.length).toBe(RETRY_DELAYS_MS.length + 1);
  });

  it('a receiver that recovers gets the event on the next scheduled attempt', async () => {
    r.got.length = 0;
    answer = 503;
    await s.req('POST', '/v1/webhooks', { url: `${r.url}/expiry`, events: ['verification.expired'] });
    const id = (await s.req('POST', '/v1/verifications', { to: '+14155550702', channel: 'sms', ttl: 60 }, { key: s.sandboxKey })).body.id as string;
    clock.advance(61_000);
    // The sweep turns the lapsed verification into a recorded expiry and announces it once.
    expect((await s.otpd.housekeeping.run()).expired).toBe(1);
    expect((await s.otpd.housekeeping.run()).expired).toBe(0);
    await waitFor('first expiry attempt', () => (r.got.length === 1 ? true : undefined));
    answer = 200;
    clock.advance(RETRY_DELAYS_MS[0]! * 1.1 + 1);
    await s.otpd.webhooks.drain();
    expect(r.got.map((g) => [g.json.type, g.json.data['id']])).toEqual([
      ['verification.expired', id],
      ['verification.expired', id],
    ]);
    expect(r.got[1]!.json.data['status']).toBe('expired');
    expect((await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey })).body.status).toBe('expired');
  });
});
