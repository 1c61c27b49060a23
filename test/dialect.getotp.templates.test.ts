// Templates by UUID (the dialect's own, kept under the app's GetOTP UUIDs, and otpd's native ones), payload echo, email, mounting.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerificationEvent } from '../src/core/events.js';
import { verificationIdOf } from '../src/dialects/getotp/ids.js';
import { freePort } from './helpers/process.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';
import { call, deliveredCode, getotpKeys, putTemplate, sampleData, type GetOtpKeys } from './helpers/getotp-client.js';

let s: TestServer;
let base: string;
let keys: GetOtpKeys;

beforeAll(async () => {
  s = await startServer();
  base = `${s.url}/getotp`;
  keys = await getotpKeys(s);
});
afterAll(async () => s.close());

describe('dialect templates', () => {
  it('registers, shows, replaces and removes a template under the UUID the app already uses', async () => {
    const id = randomUUID();
    const put = await putTemplate(base, keys.key, id.toUpperCase(), 'Kod anda ialah {code}.');
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, name: null, body: 'Kod anda ialah {code}.', source: 'getotp' });

    const replaced = await call(base, 'PUT', `/v1/templates/${id}`, { key: keys.key, json: { data: { body: 'Your code is {code}!', name: 'login' } } });
    expect(replaced.body).toMatchObject({ id, name: 'login', body: 'Your code is {code}!', create_date: put.body.create_date });
    expect((await call(base, 'GET', `/v1/templates/${id}`, { key: keys.key })).body).toEqual(replaced.body);

    const sent = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: sampleData({ phone: '60123456711', template: id }) });
    expect(sent.status).toBe(200);
    const code = await deliveredCode(s, sent.body.message_id);
    expect(s.consoleOut.text).toContain(`(${verificationIdOf(sent.body.message_id)}): Your code is ${code}!`);

    expect((await call(base, 'DELETE', `/v1/templates/${id}`, { key: keys.key })).status).toBe(204);
    expect((await call(base, 'GET', `/v1/templates/${id}`, { key: keys.key })).body.errors[0].code).toBe('1901');
    expect((await call(base, 'DELETE', `/v1/templates/${id}`, { key: keys.key })).status).toBe(404);
    const after = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: sampleData({ phone: '60123456712', template: id }) });
    expect(after.body.errors[0].code).toBe('1513');
  });

  it('refuses a bad id (1512), a missing body (1915) and a foreign key (1136)', async () => {
    expect((await putTemplate(base, keys.key, 'abc')).body.errors[0].code).toBe('1512');
    const noBody = await call(base, 'PUT', `/v1/templates/${randomUUID()}`, { key: keys.key, json: { data: {} } });
    expect(noBody.body.errors[0]).toMatchObject({ code: '1915', status: 400 });
    expect((await putTemplate(base, 'nope', randomUUID())).status).toBe(401);
  });

  it("accepts the id of a native template made with otpd's /v1/templates", async () => {
    const native = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'en', body: 'Native template: the code is {code}' });
    expect(native.status).toBe(201);
    const shown = await call(base, 'GET', `/v1/templates/${native.body.id}`, { key: keys.key });
    expect(shown.body).toMatchObject({ id: native.body.id, source: 'native' });
    const sent = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: sampleData({ phone: '60123456713', template: native.body.id }) });
    const code = await deliveredCode(s, sent.body.message_id);
    expect(s.consoleOut.text).toContain(`Native template: the code is ${code}`);
  });
});

describe('payload and channels', () => {
  it('hands `payload` to the engine, so the account\'s event webhooks echo it', async () => {
    const id = randomUUID();
    await putTemplate(base, keys.key, id);
    const events: VerificationEvent[] = [];
    const stop = s.otpd.events.subscribe((e) => void events.push(e));
    const payload = '{"order_id":"xfdu48sfdjsdf", "agent_id":2258}';
    const sent = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: sampleData({ phone: '60123456714', template: id, payload }) });
    const created = await waitFor('the created event', () => events.find((e) => e.type === 'verification.created' && e.verification.id === verificationIdOf(sent.body.message_id)));
    stop();
    expect(created.verification.payload).toBe(payload);
  });

  it('sends by email (data.email) and verifies by the address', async () => {
    const id = randomUUID();
    await putTemplate(base, keys.key, id);
    const sent = await call(base, 'POST', '/v1/verifications', {
      key: keys.key,
      json: { data: { channel: 'email', sender: 'GetOTP', email: 'Ali@GetOTP.test', template: id, code_length: 6 } },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.phone).toBe('ali@getotp.test');
    const code = await deliveredCode(s, sent.body.message_id);
    const ok = await call(base, 'GET', `/v1/verifications?code=${code}&phone=ali%40getotp.test`, { key: keys.key });
    expect(ok.body.data).toHaveLength(1);
  });

  it('returns the code to a sandbox credential and delivers nothing', async () => {
    const sandbox = await getotpKeys(s, { sandbox: true });
    const id = randomUUID();
    await putTemplate(base, sandbox.key, id);
    const sent = await call(base, 'POST', '/v1/verifications', { key: sandbox.key, json: sampleData({ phone: '60123456715', template: id }) });
    expect(sent.body.code).toMatch(/^\d{4}$/);
    expect(s.consoleOut.text).not.toContain('+60123456715');
    expect((await call(base, 'GET', `/v1/verifications?code=${sent.body.code}&phone=60123456715`, { key: sandbox.key })).body.data).toHaveLength(1);
  });
});

describe('mounting', () => {
  it('serves the dialect at / on a port of its own, and under a custom prefix, with vendor paths in errors', async () => {
    const port = await freePort();
    const t = await startServer({ env: { OTPD_DIALECTS: `getotp=:${port},d7=/d7` } });
    try {
      const own = `http://127.0.0.1:${port}`;
      const k = await getotpKeys(t);
      const denied = await call(own, 'POST', '/api/verify/', { json: sampleData() });
      expect(denied.body.errors[0]).toMatchObject({ code: '1136', path: '/api/verify/' });
      const legacy = await call(own, 'POST', '/api/verify/', { basic: [k.key, k.token], form: { channel: 'sms', success_redirect_url: 'https://a.test/ok', fail_redirect_url: 'https://a.test/no' } });
      expect(legacy.body.link).toBe(`${own}/api/ui/verify/${legacy.body.otp_id}/sms/`);
      expect((await call(legacy.body.link, 'GET', '')).status).toBe(200);
      // Not mounted under the main port any more.
      expect((await call(t.url, 'POST', '/getotp/api/verify/', { json: sampleData() })).headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await t.close();
    }

    const p = await startServer({ env: { OTPD_DIALECTS: 'getotp=/otp-dev/api2' } });
    try {
      const r = await call(`${p.url}/otp-dev/api2`, 'GET', '/v1/verifications?code=1&phone=60123456789');
      expect(r.body.errors[0]).toMatchObject({ code: '1136', path: '/v1/verifications', method: 'GET' });
    } finally {
      await p.close();
    }
  });
});
