// Property: Eko's secret-key scheme is verified exactly: wrong key, stale timestamp and replayed request are refused with 403 in Eko's shape.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { ekoClient, ekoCredentials, ekoEnvelopeKeys, ekoSign, type EkoClient } from './helpers/eko-client.js';
import { freePort } from './helpers/process.js';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

const WINDOW_MS = 300_000; // OTPD_SIGNATURE_WINDOW default: ±5 minutes
const ENVELOPE = ['data', 'message', 'response_status_id', 'response_type_id', 'status'];

function expectRefused(r: TestResponse, message: RegExp): void {
  expect(r.status).toBe(403);
  expect(r.headers.get('content-type')).toContain('application/json');
  expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
  expect(r.body).toMatchObject({ status: 1, response_status_id: 1, response_type_id: 1, data: {} });
  expect(r.body.message).toMatch(message);
}

describe('the signature formula', () => {
  it('matches the golden vector Eko publishes for its SDKs', () => {
    // ekoindia/eps-platform docs/sdk-golden-vector.md
    expect(ekoSign('TEST_ACCESS_KEY_DO_NOT_USE', '1700000000000')).toBe('u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk=');
  });
});

describe('eko auth', () => {
  let s: TestServer;
  let eko: EkoClient;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  const body = () => ({ initiator_id: eko.creds.initiatorId, mobile: '9002336768' });

  beforeAll(async () => {
    s = await startServer({ clock, env: { OTPD_DIALECTS: 'eko' } });
    eko = ekoClient(`${s.url}/eko`, await ekoCredentials(s), clock);
  });
  afterAll(async () => s.close());

  it('accepts a request signed with the formula, computed independently of otpd', async () => {
    const ts = String(clock.now());
    const secretKey = createHmac('sha256', Buffer.from(eko.creds.accessKey).toString('base64')).update(ts).digest('base64');
    const r = await eko.send(body(), { ts, headers: { 'secret-key': secretKey } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 0, response_type_id: 1600 });
  });

  it('refuses a secret-key made with another access_key', async () => {
    const ts = String(clock.now() + 10);
    expectRefused(await eko.send(body(), { ts, headers: { 'secret-key': ekoSign('d2fe1d99-6298-4af2-8cc5-d97dcf46df30', ts) } }), /secret-key/);
  });

  it('refuses the common mistake of keying the HMAC with the raw access_key', async () => {
    const ts = String(clock.now() + 20);
    const raw = createHmac('sha256', eko.creds.accessKey).update(ts).digest('base64');
    expectRefused(await eko.send(body(), { ts, headers: { 'secret-key': raw } }), /secret-key/);
  });

  it('refuses a signature over another timestamp', async () => {
    const ts = String(clock.now() + 30);
    expectRefused(await eko.send(body(), { ts, headers: { 'secret-key': ekoSign(eko.creds.accessKey, String(clock.now() + 31)) } }), /secret-key/);
  });

  it('refuses an unknown developer_key, even with a valid signature for the access_key', async () => {
    expectRefused(await eko.send(body(), { headers: { developer_key: 'becbbce45f79c6f5109f848acd540567' } }), /developer_key/);
  });

  it('refuses a request missing any of the three headers', async () => {
    for (const h of ['developer_key', 'secret-key', 'secret-key-timestamp']) {
      expectRefused(await eko.send(body(), { headers: { [h]: null } }), /developer_key, secret-key and secret-key-timestamp/);
    }
  });

  it('refuses a timestamp that is not milliseconds since the epoch', async () => {
    for (const ts of ['2026-03-01T12:00:00Z', '1.7e12', '-1', '']) {
      const r = await eko.send(body(), { ts, headers: { 'secret-key': ekoSign(eko.creds.accessKey, ts) } });
      expectRefused(r, /secret-key-timestamp|developer_key, secret-key/);
    }
  });

  it('refuses a stale or future timestamp outside ±5 minutes, and accepts one at the edge', async () => {
    const now = clock.now();
    expectRefused(await eko.send(body(), { ts: String(now - WINDOW_MS - 1) }), /server time/);
    expectRefused(await eko.send(body(), { ts: String(now + WINDOW_MS + 1) }), /server time/);
    const edge = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9811111111' }, { ts: String(now - WINDOW_MS) });
    expect(edge.status).toBe(200);
    expect(edge.body).toMatchObject({ status: 0, response_type_id: 1600 });
  });

  it('refuses a replayed request, even with another body, and a replay after its timestamp went stale', async () => {
    const ts = String(clock.now() + 1_000);
    const first = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '8839575469' }, { ts });
    expect(first.status).toBe(200);
    expectRefused(await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '8839575469' }, { ts }), /already used/);
    expectRefused(await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9876543210' }, { ts }), /already used/);
    clock.advance(WINDOW_MS + 2_000);
    expectRefused(await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9876543210' }, { ts }), /server time/);
  });

  it('checks every endpoint, not only send', async () => {
    expectRefused(await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: '9002336768', otp: '123456' }, { headers: { 'secret-key': 'AAAA' } }), /secret-key/);
    expectRefused(await eko.validate('x.y.z', { headers: { 'secret-key': 'AAAA' } }), /secret-key/);
  });

  it('refuses a revoked credential once the credential cache has lapsed', async () => {
    const other = ekoClient(`${s.url}/eko`, await ekoCredentials(s), clock);
    const ok = await other.send({ initiator_id: other.creds.initiatorId, mobile: '9962981729' });
    expect(ok.status).toBe(200);
    const [cred] = (await s.otpd.store.dialects.listCredentials()).filter((c) => c.extra['initiator_id'] === other.creds.initiatorId);
    await s.otpd.store.dialects.revokeCredential(cred!.id, clock.now());
    clock.advance(6_000);
    expectRefused(await other.send({ initiator_id: other.creds.initiatorId, mobile: '9962981729' }), /developer_key/);
  });

  it('keeps keys, signatures and codes out of the logs', async () => {
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9123456780' });
    expect(r.status).toBe(200);
    const logs = s.logs.text;
    expect(logs).toContain('eko request refused');
    expect(logs).not.toContain(eko.creds.accessKey);
    expect(logs).not.toContain(eko.creds.developerKey);
    expect(logs).not.toContain(Buffer.from(eko.creds.accessKey).toString('base64'));
    // Word boundaries: a 6-digit code may occur by chance inside a 13-digit log timestamp.
    expect(logs).not.toMatch(new RegExp(`\\b${r.body.data.otp as string}\\b`));
  });
});

describe('eko signature window setting', () => {
  it('follows OTPD_SIGNATURE_WINDOW', async () => {
    const clock = new ManualClock();
    const s = await startServer({ clock, env: { OTPD_DIALECTS: 'eko', OTPD_SIGNATURE_WINDOW: '60' } });
    try {
      const eko = ekoClient(`${s.url}/eko`, await ekoCredentials(s), clock);
      const body = { initiator_id: eko.creds.initiatorId, mobile: '9002336768' };
      expectRefused(await eko.send(body, { ts: String(clock.now() - 61_000) }), /server time/);
      expect((await eko.send(body, { ts: String(clock.now() - 59_000) })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('eko mounting', () => {
  it('serves under a configured prefix and at / on a port of its own', async () => {
    const port = await freePort();
    const s = await startServer({ env: { OTPD_DIALECTS: `eko=:${port}` } });
    try {
      const eko = ekoClient(`http://127.0.0.1:${port}`, await ekoCredentials(s));
      const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9002336768' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 0, response_type_id: 1600 });
      // The dialect is not on the main port any more.
      expect((await fetch(`${s.url}/eko/tools/kyc/mobile/otp`, { method: 'POST' })).status).toBe(404);
    } finally {
      await s.close();
    }
    const t = await startServer({ env: { OTPD_DIALECTS: 'eko=/compat/eko' } });
    try {
      const eko = ekoClient(`${t.url}/compat/eko`, await ekoCredentials(t));
      const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9002336768' });
      expect(r.body).toMatchObject({ status: 0, response_type_id: 1600 });
    } finally {
      await t.close();
    }
  });
});
