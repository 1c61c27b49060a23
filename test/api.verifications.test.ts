// Native API v1 verification flows against a real otpd: create, get, deliver, check, cancel, idempotency, isolation, webhooks.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFromConsole, startServer, type TestServer, waitFor } from './helpers/server.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let seq = 100;
/** A fresh valid US number per call, so no test resends another test's pending verification. */
const phone = (): string => `+1415555${String(seq++).padStart(4, '0')}`;

describe('native API v1 verifications', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => s.close());

  it('creates a verification with the documented fields and a normalised E.164 recipient', async () => {
    const r = await s.req('POST', '/v1/verifications', { to: '+1 (415) 555-0142', channel: 'sms', reference: 'order-7', metadata: { user: 'u1' } }, { key: s.sandboxKey });
    expect(r.status).toBe(201);
    const b = r.body;
    expect(b.id).toMatch(/^ver_[0-9A-Z]{26}$/);
    expect(b).toMatchObject({ status: 'pending', to: '+14155550142', channel: 'sms', attempts_remaining: 5, reference: 'order-7', metadata: { user: 'u1' } });
    expect(b.created_at).toMatch(ISO);
    expect(b.expires_at).toMatch(ISO);
    expect(Date.parse(b.expires_at) - Date.parse(b.created_at)).toBe(600_000);
    expect(b.sends).toHaveLength(1);
    expect(b.sends[0]).toEqual({ channel: 'sms', provider: null, at: expect.stringMatching(ISO), status: 'sandbox' });
    expect(b.code).toMatch(/^\d{6}$/);

    const without = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' }, { key: s.sandboxKey });
    expect(without.status).toBe(201);
    expect(without.body.reference).toBeNull();
    expect(without.body.metadata).toBeNull();
  });

  it('GET returns the verification by id', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' }, { key: s.sandboxKey });
    const g = await s.req('GET', `/v1/verifications/${c.body.id}`, undefined, { key: s.sandboxKey });
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ id: c.body.id, status: 'pending', to: c.body.to, channel: 'sms', created_at: c.body.created_at, expires_at: c.body.expires_at });
    const missing = await s.req('GET', '/v1/verifications/ver_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });

  it('delivers a live sms through the console provider and approves the code by id', async () => {
    const to = phone();
    const c = await s.req('POST', '/v1/verifications', { to, channel: 'sms' });
    expect(c.status).toBe(201);
    expect(c.body.code).toBeUndefined();
    expect(c.body.sends[0].status).toBe('queued');
    const id: string = c.body.id;

    const code = await codeFromConsole(s, id);
    expect(code).toMatch(/^\d{6}$/);
    expect(s.consoleOut.text).toContain(`sms to ${to} (${id})`);
    const sent = await waitFor('send status sent', async () => {
      const g = await s.req('GET', `/v1/verifications/${id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends).toEqual([{ channel: 'sms', provider: 'console', at: c.body.sends[0].at, status: 'sent' }]);
    expect(sent.code).toBeUndefined();

    const wrong = await s.req('POST', `/v1/verifications/${id}/check`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ id, status: 'pending', valid: false, reason: 'incorrect_code', attempts_remaining: 4 });
    expect(wrong.body.token).toBeUndefined();

    const ok = await s.req('POST', `/v1/verifications/${id}/check`, { code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id, status: 'approved', valid: true, reason: 'approved' });
    expect(ok.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(ok.body.token_expires_at).toMatch(ISO);

    const after = await s.req('GET', `/v1/verifications/${id}`);
    expect(after.body.status).toBe('approved');
  });

  it('checks by {to, code} against the newest pending verification of the recipient', async () => {
    const to = phone();
    const first = await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: s.sandboxKey });
    const done = await s.req('POST', '/v1/verifications/check', { to, code: first.body.code }, { key: s.sandboxKey });
    expect(done.body).toMatchObject({ id: first.body.id, valid: true, reason: 'approved' });

    // A new verification for the same recipient once the first is closed; the check finds it, in any input format.
    const second = await s.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: s.sandboxKey });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    const pretty = `+1 (${to.slice(2, 5)}) ${to.slice(5, 8)}-${to.slice(8)}`;
    const r = await s.req('POST', '/v1/verifications/check', { to: pretty, code: second.body.code }, { key: s.sandboxKey });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: second.body.id, status: 'approved', valid: true, reason: 'approved' });
    expect(typeof r.body.token).toBe('string');

    const none = await s.req('POST', '/v1/verifications/check', { to: phone(), code: '123456' }, { key: s.sandboxKey });
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('not_found');
  });

  it('cancels a pending verification; a later check answers canceled', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' }, { key: s.sandboxKey });
    const x = await s.req('POST', `/v1/verifications/${c.body.id}/cancel`, undefined, { key: s.sandboxKey });
    expect(x.status).toBe(200);
    expect(x.body).toMatchObject({ id: c.body.id, status: 'canceled' });
    const chk = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: s.sandboxKey });
    expect(chk.status).toBe(200);
    expect(chk.body).toMatchObject({ id: c.body.id, status: 'canceled', valid: false, reason: 'canceled' });
    expect(chk.body.token).toBeUndefined();
  });

  it('answers already_used for a check after approval', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' }, { key: s.sandboxKey });
    const ok = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: s.sandboxKey });
    expect(ok.body.reason).toBe('approved');
    const again = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: s.sandboxKey });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'approved', valid: false, reason: 'already_used' });
    expect(again.body.token).toBeUndefined();
  });

  it('replays an Idempotency-Key with the same body and refuses it with a different one', async () => {
    const key = `idem-${Date.now()}`;
    const body = { to: phone(), channel: 'sms', reference: 'r1' };
    const a = await s.req('POST', '/v1/verifications', body, { key: s.sandboxKey, headers: { 'idempotency-key': key } });
    expect(a.status).toBe(201);
    const b = await s.req('POST', '/v1/verifications', { ...body }, { key: s.sandboxKey, headers: { 'idempotency-key': key } });
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.sends).toHaveLength(1);

    const c = await s.req('POST', '/v1/verifications', { ...body, to: phone() }, { key: s.sandboxKey, headers: { 'idempotency-key': key } });
    expect(c.status).toBe(422);
    expect(c.headers.get('content-type')).toContain('application/problem+json');
    expect(c.body.code).toBe('idempotency_key_reused');
  });

  it("hides one account's verifications from another account's key", async () => {
    await s.otpd.accounts.create('other');
    const { key: otherKey } = await s.otpd.accounts.createKey('other');
    const c = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' }, { key: s.sandboxKey });
    const id: string = c.body.id;

    const get = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: otherKey });
    const check = await s.req('POST', `/v1/verifications/${id}/check`, { code: c.body.code }, { key: otherKey });
    const cancel = await s.req('POST', `/v1/verifications/${id}/cancel`, undefined, { key: otherKey });
    const resend = await s.req('POST', `/v1/verifications/${id}/resend`, {}, { key: otherKey });
    const byTo = await s.req('POST', '/v1/verifications/check', { to: c.body.to, code: c.body.code }, { key: otherKey });
    for (const r of [get, check, cancel, resend, byTo]) {
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
    // Nothing the other account did touched it: still pending, no attempt spent, one send.
    const mine = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: s.sandboxKey });
    expect(mine.body).toMatchObject({ status: 'pending', attempts_remaining: 5 });
    expect(mine.body.sends).toHaveLength(1);
  });

  it('refuses channel webhook when the account has no webhook configured', async () => {
    const r = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'webhook' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('channel_unavailable');
  });
});

describe('production mode', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => s.close());

  it('has no console provider, so a live sms is channel_unavailable', async () => {
    expect(s.otpd.config.production).toBe(true);
    const r = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('channel_unavailable');
    expect(s.consoleOut.text).toBe('');
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  json: any;
}

describe('webhook delivery', () => {
  let s: TestServer;
  let hook: Server;
  let secret: string;
  const received: Received[] = [];
  /** Recipients whose first delivery attempt is answered with HTTP 500 (known before the create, so no race). */
  const failOnce = new Set<string>();
  /** Recipients the webhook refuses for good (HTTP 400). */
  const refuse = new Set<string>();

  beforeAll(async () => {
    s = await startServer();
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let json: any = null;
        try {
          json = JSON.parse(raw);
        } catch {
          json = null;
        }
        received.push({ headers: req.headers, raw, json });
        const to = json?.to as string | undefined;
        if (to && refuse.has(to)) {
          res.writeHead(400).end('no such user');
          return;
        }
        if (to && failOnce.has(to)) {
          failOnce.delete(to);
          res.writeHead(500).end('boom');
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const { port } = hook.address() as AddressInfo;
    secret = await s.otpd.accounts.setWebhook('default', `http://127.0.0.1:${port}/otp`);
  });
  afterAll(async () => {
    await s.close();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  const deliveriesFor = (id: string) => received.filter((r) => r.json?.verification_id === id);

  it('POSTs the code signed per Standard Webhooks; the code then approves', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const to = phone();
    const c = await s.req('POST', '/v1/verifications', { to, channel: 'webhook', locale: 'en' });
    expect(c.status).toBe(201);
    const id: string = c.body.id;
    const [d] = await waitFor('webhook delivery', () => (deliveriesFor(id).length ? deliveriesFor(id) : undefined));
    expect(d!.headers['content-type']).toContain('application/json');
    expect(d!.json).toMatchObject({ verification_id: id, to, channel: 'webhook', locale: 'en' });
    expect(d!.json.code).toMatch(/^\d{6}$/);
    expect(d!.json.message).toContain(d!.json.code);

    // Independent Standard Webhooks verification: HMAC-SHA256 over "id.timestamp.body", key = base64 after whsec_.
    const msgId = String(d!.headers['webhook-id']);
    const ts = String(d!.headers['webhook-timestamp']);
    const sigHeader = String(d!.headers['webhook-signature']);
    expect(msgId).not.toBe('');
    expect(msgId).not.toContain('.');
    expect(ts).toMatch(/^\d+$/);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${msgId}.${ts}.${d!.raw}`).digest();
    const sigs = sigHeader.split(' ').filter((p) => p.startsWith('v1,')).map((p) => Buffer.from(p.slice(3), 'base64'));
    expect(sigs.length).toBeGreaterThan(0);
    expect(sigs.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))).toBe(true);
    // A tampered body must not verify with the same signature.
    const forged = createHmac('sha256', key).update(`${msgId}.${ts}.${d!.raw} `).digest();
    expect(sigs.some((sig) => sig.equals(forged))).toBe(false);

    const sent = await waitFor('send status sent', async () => {
      const g = await s.req('GET', `/v1/verifications/${id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends[0].channel).toBe('webhook');

    const ok = await s.req('POST', `/v1/verifications/${id}/check`, { code: d!.json.code });
    expect(ok.body).toMatchObject({ id, status: 'approved', valid: true, reason: 'approved' });
    expect(typeof ok.body.token).toBe('string');
  });

  it('retries a delivery the webhook answered with 500, with the same webhook-id (the Standard Webhooks idempotency key)', async () => {
    const to = phone();
    failOnce.add(to);
    const c = await s.req('POST', '/v1/verifications', { to, channel: 'webhook' });
    expect(c.status).toBe(201);
    const id: string = c.body.id;
    const both = await waitFor('a second webhook POST', () => (deliveriesFor(id).length >= 2 ? deliveriesFor(id) : undefined), 8000);
    expect(both[0]!.json.code).toBe(both[1]!.json.code);
    expect(both[1]!.headers['webhook-id']).toBe(both[0]!.headers['webhook-id']);
    const sent = await waitFor('send status sent after retry', async () => {
      const g = await s.req('GET', `/v1/verifications/${id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends).toHaveLength(1);
  });

  it('stops at a permanent refusal: the send is undeliverable and the verification failed', async () => {
    const to = phone();
    refuse.add(to);
    const c = await s.req('POST', '/v1/verifications', { to, channel: 'webhook' });
    expect(c.status).toBe(201);
    const id: string = c.body.id;
    const failed = await waitFor('verification failed', async () => {
      const g = await s.req('GET', `/v1/verifications/${id}`);
      return g.body.status === 'failed' ? g.body : undefined;
    });
    expect(failed.sends).toEqual([expect.objectContaining({ channel: 'webhook', provider: 'webhook', status: 'undeliverable', error: expect.stringContaining('HTTP 400') })]);
    expect(deliveriesFor(id)).toHaveLength(1);
    const check = await s.req('POST', `/v1/verifications/${id}/check`, { code: deliveriesFor(id)[0]!.json.code });
    expect(check.body).toMatchObject({ valid: false, status: 'failed' });
    // A new create for the recipient starts afresh instead of resending the failed one.
    refuse.delete(to);
    const again = await s.req('POST', '/v1/verifications', { to, channel: 'webhook' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
  });
});
