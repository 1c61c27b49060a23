// Golden tests: every request and response sample of GetOTP's pages (seed page, vendors.md section 4), replayed against otpd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestServer } from './helpers/server.js';
import { call, deliveredCode, getotpKeys, putTemplate, sampleData, SAMPLE_TEMPLATE, UUID_RE, wrongCode, type GetOtpKeys } from './helpers/getotp-client.js';

// The instant of the seed page's sample response, so dates compare to the sample exactly.
const SAMPLE_NOW = Date.parse('2025-08-18T06:28:58.962Z');
const clock = new ManualClock(SAMPLE_NOW);
let s: TestServer;
let base: string;
let keys: GetOtpKeys;

beforeAll(async () => {
  s = await startServer({ clock });
  base = `${s.url}/getotp`;
  keys = await getotpKeys(s);
  expect((await putTemplate(base, keys.key, SAMPLE_TEMPLATE)).status).toBe(200);
});
afterAll(async () => s.close());

describe('credentials', () => {
  it('prints an API key and an API token in the dashboard\'s shape', async () => {
    expect(keys.key).toMatch(/^[a-z0-9]{32}$/);
    expect(keys.token).toMatch(/^[a-z0-9]{32}$/);
    expect(keys.key).not.toBe(keys.token);
  });
});

describe('seed page: SMS OTP request (POST /api/verify/ with X-OTP-Key)', () => {
  it('answers the cURL sample with the sample response shape and values', async () => {
    // The seed page's cURL example, byte for byte apart from the host.
    const r = await call(base, 'POST', '/api/verify/', {
      headers: { 'X-OTP-Key': keys.key, accept: 'application/json', 'content-type': 'application/json' },
      raw: '\n{\n  "data": {\n    "channel": "sms",\n    "sender": "GetOTP",\n    "phone": "60123456789",\n    "template": "6d16aa9d-bf19-4141-8169-48b46d972fc6",\n    "code_length": 4\n  }\n}\n',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(Object.keys(r.body)).toEqual(['account_id', 'message_id', 'phone', 'create_date', 'expire_date']);
    expect(r.body.account_id).toMatch(UUID_RE);
    expect(r.body.message_id).toMatch(UUID_RE);
    expect(r.body).toMatchObject({ phone: '60123456789', create_date: '2025-08-18T06:28:58.962Z', expire_date: '2025-08-18T06:38:58.962Z' });
    // The message is the template's body, with a code of the requested length.
    const code = await deliveredCode(s, r.body.message_id);
    expect(code).toMatch(/^\d{4}$/);
    expect(s.consoleOut.text).toContain(`sms to +60123456789`);
    expect(s.consoleOut.text).toContain(`Your code is ${code}. It expires in 10 minutes.`);
  });
});

describe('vendors.md 4.1: current API (POST and GET /v1/verifications)', () => {
  it('sends, then verifies by phone and code with the documented {data, pagination} shape', async () => {
    const sent = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: sampleData({ phone: '60123456780', code_length: 6 }) });
    expect(sent.status).toBe(200);
    const code = await deliveredCode(s, sent.body.message_id);
    expect(code).toMatch(/^\d{6}$/);

    // "If the data is empty, it means the code is invalid."
    const bad = await call(base, 'GET', `/v1/verifications?code=${wrongCode(code)}&phone=60123456780`, { key: keys.key });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ data: [], pagination: { number: 1, size: 10, total: 0 } });

    const good = await call(base, 'GET', `/v1/verifications?code=${code}&phone=60123456780`, { key: keys.key });
    expect(good.status).toBe(200);
    expect(Object.keys(good.body)).toEqual(['data', 'pagination']);
    expect(Object.keys(good.body.pagination)).toEqual(['number', 'size', 'total']);
    expect(good.body.pagination.total).toBe(1);
    expect(good.body.data).toEqual([sent.body]);
    expect(Object.keys(good.body.data[0])).toEqual(['account_id', 'message_id', 'phone', 'create_date', 'expire_date']);
  });

  it('takes a custom code and a payload string', async () => {
    const sent = await call(base, 'POST', '/v1/verifications', {
      key: keys.key,
      json: sampleData({ phone: '60123456781', code_length: undefined, code: '1234', payload: '{"order_id":"xfdu48sfdjsdf", "agent_id":2258}' }),
    });
    expect(sent.status).toBe(200);
    expect(await deliveredCode(s, sent.body.message_id)).toBe('1234');
    const ok = await call(base, 'GET', '/v1/verifications?code=1234&phone=60123456781', { key: keys.key });
    expect(ok.body.data).toHaveLength(1);
  });
});

describe('seed page: error sample', () => {
  it('answers a missing key with exactly the sample body', async () => {
    const r = await call(base, 'POST', '/api/verify/', { json: sampleData() });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      errors: [{ timestamp: '2025-08-18 06:28:58', path: '/api/verify/', method: 'POST', status: 401, message: 'User Not Authorized', code: '1136' }],
    });
  });
});

describe('vendors.md 4.2: legacy hosted-page API (Basic api_key:api_token)', () => {
  it('creates an SMS OTP from the form fields of the docs and answers 201 {otp_id, link, otp_secret}', async () => {
    const r = await call(base, 'POST', '/api/verify/', {
      basic: [keys.key, keys.token],
      form: {
        channel: 'sms',
        phone_sms: '+60123456789',
        callback_url: 'https://mysite.test/payments/otp-callback/',
        success_redirect_url: 'https://mysite.test/payments/qHgZiJQ8YF/otp-complete/',
        fail_redirect_url: 'https://mysite.test/payments/qHgZiJQ8YF/otp-fail/',
      },
    });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(['otp_id', 'link', 'otp_secret']);
    expect(r.body.otp_id).toMatch(/^[a-z0-9]{20}$/);
    expect(r.body.otp_secret).toMatch(/^[a-z0-9]{20}$/);
    expect(r.body.link).toBe(`${base}/api/ui/verify/${r.body.otp_id}/sms/`);
  });

  it('accepts the docs\' `curl -F` (multipart) email example', async () => {
    const boundary = '------------------------d74496d66958873e';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const raw =
      part('channel', 'email') +
      part('email', 'ali@getotp.test') +
      part('callback_url', 'https://mysite.test/payments/otp-callback/') +
      part('success_redirect_url', 'https://mysite.test/payments/qHgZiJQ8YF/otp-complete/') +
      part('fail_redirect_url', 'https://mysite.test/payments/qHgZiJQ8YF/otp-fail/') +
      `--${boundary}--\r\n`;
    const r = await call(base, 'POST', '/api/verify/', { basic: [keys.key, keys.token], raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(r.status).toBe(201);
    // The python client's sample: the link names the hosted page of the first channel.
    expect(r.body.link).toMatch(new RegExp(`/api/ui/verify/${r.body.otp_id}/email/$`));
  });

  it('answers GET /api/verify/{otp_id}/ with the fields of the status sample', async () => {
    const metadata = '{"order_id":"xfdu48sfdjsdf", "agent_id":2258}';
    const created = await call(base, 'POST', '/api/verify/', {
      basic: [keys.key, keys.token],
      form: {
        channel: 'email',
        email: 'ali@getotp.test',
        callback_url: 'http://mysite.test/payments/callback',
        success_redirect_url: 'http://mysite.test/payments/65/success',
        fail_redirect_url: 'http://mysite.test/payments/65/failed',
        metadata,
      },
    });
    expect(created.status).toBe(201);
    const r = await call(base, 'GET', `/api/verify/${created.body.otp_id}/`, { basic: [keys.key, keys.token] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      callback_url: 'http://mysite.test/payments/callback',
      success_redirect_url: 'http://mysite.test/payments/65/success',
      fail_redirect_url: 'http://mysite.test/payments/65/failed',
      otp_id: created.body.otp_id,
      status: [{ channel: 'email', auth_status: 'not_verified' }],
      channels: ['email'],
      creation_time: '2025-08-18T06:28:58.962000Z',
      metadata,
      captcha: true,
      risk_score: 0,
    });
  });

  it('answers an unknown otp_id with 404 (the python client treats 404 as "Not found")', async () => {
    const r = await call(base, 'GET', '/api/verify/ttnnkgggvjef7euc72j8/', { basic: [keys.key, keys.token] });
    expect(r.status).toBe(404);
    expect(r.body.errors[0]).toMatchObject({ status: 404, code: '1901', path: '/api/verify/ttnnkgggvjef7euc72j8/', method: 'GET' });
  });
});
