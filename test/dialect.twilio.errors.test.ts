// Bad input gets Twilio's own error body ({code, message, more_info, status}) with a 4xx, never a 5xx; every core error code has a Twilio twin.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, OtpError, type ErrorCode } from '../src/core/errors.js';
import { twilioFaultOf } from '../src/dialects/twilio/errors.js';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';
import { basicAuth, twilioCreds, twilioReq, type TwilioCreds } from './helpers/twilio-client.js';

let s: TestServer;
let c: TwilioCreds;
let base: string;
let auth: [string, string];
let va: string;
let psd2: string;
let ve: string;
beforeAll(async () => {
  s = await startServer();
  c = await twilioCreds(s);
  base = `${s.url}/twilio`;
  auth = [c.accountSid, c.authToken];
  va = (await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'Errors' }, auth)).body.sid;
  psd2 = (await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'Bank', Psd2Enabled: 'true' }, auth)).body.sid;
  ve = (await twilioReq(base, 'POST', `/v2/Services/${va}/Verifications`, { To: '+14155550140', Channel: 'sms' }, auth)).body.sid;
});
afterAll(async () => s.close());

function expectTwilioError(r: TestResponse, status: number, code: number, message?: RegExp): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers.get('content-type')).toContain('application/json');
  expect(r.body).toMatchObject({ code, status, more_info: `https://www.twilio.com/docs/errors/${code}`, message: expect.any(String) });
  if (message) expect(r.body.message).toMatch(message);
}

describe('every core error code maps to a Twilio error', () => {
  const expected: Record<ErrorCode, [number, number]> = {
    invalid_request: [400, 60200],
    invalid_recipient: [400, 60200],
    invalid_code: [400, 60200],
    template_missing_code: [400, 60200],
    idempotency_key_reused: [400, 60200],
    unsupported_media_type: [400, 60200],
    payload_too_large: [413, 60200],
    channel_unavailable: [400, 60223],
    unauthorized: [401, 20003],
    forbidden: [403, 20403],
    geo_not_allowed: [403, 60605],
    not_found: [404, 20404],
    verification_not_pending: [404, 20404],
    method_not_allowed: [405, 20004],
    max_sends_reached: [429, 60203],
    resend_cooldown: [429, 60212],
    rate_limited: [429, 60212],
    store_unavailable: [503, 20503],
    internal: [500, 20500],
  };
  it.each(ERROR_CODES.map((code) => [code]))('%s', (code) => {
    const f = twilioFaultOf(new OtpError(code, 'something'));
    expect([f.status, f.code]).toEqual(expected[code]);
  });

  it('tells the abuse-protection refusals apart and keeps Retry-After', () => {
    expect(twilioFaultOf(new OtpError('geo_not_allowed', 'Landline numbers cannot receive SMS.'))).toMatchObject({ status: 400, code: 60205 });
    expect(twilioFaultOf(new OtpError('rate_limited', 'Too many sends to this recipient in 10 minutes.', { retryAfter: 60 }))).toMatchObject({ status: 429, code: 60203, opts: { retryAfter: 60 } });
    expect(twilioFaultOf(new OtpError('rate_limited', 'Sends to the prefix +4479 are blocked.'))).toMatchObject({ status: 403, code: 60410 });
    expect(twilioFaultOf(new OtpError('resend_cooldown', 'Wait 12 s.', { retryAfter: 12 }))).toMatchObject({ code: 60212, opts: { retryAfter: 12 } });
  });
});

describe('authentication failures: 401 / 20003', () => {
  const cases: Array<[string, () => string | null]> = [
    ['no Authorization header', () => null],
    ['a Bearer token', () => `Bearer ${c.authToken}`],
    ['Basic that is not base64', () => 'Basic !!!'],
    ['Basic without a colon', () => `Basic ${Buffer.from(c.accountSid).toString('base64')}`],
    ['an empty password', () => basicAuth(c.accountSid, '')],
    ['an unknown Account SID', () => basicAuth(`AC${'0'.repeat(32)}`, c.authToken)],
    ['a username that is not a sid', () => basicAuth('admin', c.authToken)],
    ['the auth token with the API key SID', () => basicAuth(c.apiKeySid, c.authToken)],
    ['the key secret with the Account SID', () => basicAuth(c.accountSid, c.apiKeySecret)],
    ['a huge password', () => basicAuth(c.accountSid, 'x'.repeat(5000))],
  ];
  it.each(cases)('%s', async (_name, header) => {
    const r = await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'x' }, header());
    expectTwilioError(r, 401, 20003, /^Authenticate$/);
  });
});

describe('bad input: 4xx in Twilio\'s shape', () => {
  const post = (path: string, params: Record<string, string>) => twilioReq(base, 'POST', path, params, auth);
  const cases: Array<[string, () => Promise<TestResponse>, number, number, RegExp?]> = [
    ['Service without FriendlyName', () => post('/v2/Services', {}), 400, 60200, /FriendlyName/],
    ['Service CodeLength not a number', () => post('/v2/Services', { FriendlyName: 'a', CodeLength: 'six' }), 400, 60200, /CodeLength/],
    ['Service boolean that is not true/false', () => post('/v2/Services', { FriendlyName: 'a', LookupEnabled: 'yes' }), 400, 60200, /LookupEnabled/],
    ['Service Totp.TimeStep out of range', () => post('/v2/Services', { FriendlyName: 'a', 'Totp.TimeStep': '100' }), 400, 60200, /Totp.TimeStep/],
    ['Service DefaultTemplateSid malformed', () => post('/v2/Services', { FriendlyName: 'a', DefaultTemplateSid: 'HJ1' }), 400, 60200, /DefaultTemplateSid/],
    ['Service DefaultTemplateSid unknown', () => post('/v2/Services', { FriendlyName: 'a', DefaultTemplateSid: `HJ${'a'.repeat(32)}` }), 400, 60200, /DefaultTemplateSid/],
    ['a control character in FriendlyName', () => post('/v2/Services', { FriendlyName: 'a\u0001b' }), 400, 60200, /FriendlyName/],
    ['a parameter given twice', () => twilioReq(base, 'POST', '/v2/Services', undefined, auth, { raw: 'FriendlyName=a&FriendlyName=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 60200, /FriendlyName/],
    ['a JSON body', () => twilioReq(base, 'POST', '/v2/Services', undefined, auth, { raw: '{"FriendlyName":"a"}', headers: { 'content-type': 'application/json' } }), 400, 60200],
    ['a text/plain body', () => twilioReq(base, 'POST', '/v2/Services', undefined, auth, { raw: 'FriendlyName=a', headers: { 'content-type': 'text/plain' } }), 400, 60200],
    ['a body over the limit', () => post('/v2/Services', { FriendlyName: 'a', Pad: 'x'.repeat(70_000) }), 413, 60200],
    ['a malformed Service sid', () => twilioReq(base, 'GET', '/v2/Services/nope', undefined, auth), 404, 20404, /\/Services\/nope/],
    ['an unknown Service sid', () => twilioReq(base, 'GET', `/v2/Services/VA${'0'.repeat(32)}`, undefined, auth), 404, 20404],
    ['an unknown route', () => twilioReq(base, 'GET', '/v2/Nothing', undefined, auth), 404, 20404],
    ['Verifications under an unknown Service', () => post(`/v2/Services/VA${'0'.repeat(32)}/Verifications`, { To: '+14155550141', Channel: 'sms' }), 404, 20404],
    ['Verification without To', () => post(`/v2/Services/${va}/Verifications`, { Channel: 'sms' }), 400, 60200, /`To`/],
    ['Verification without Channel', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141' }), 400, 60200, /`Channel`/],
    ['Verification with an unknown Channel', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'fax' }), 400, 60200, /`Channel`/],
    ['Verification on the SNA channel', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sna' }), 400, 60223, /SNA/],
    ['Verification To that is not a number', () => post(`/v2/Services/${va}/Verifications`, { To: 'banana', Channel: 'sms' }), 400, 60200, /`To`/],
    ['Verification To without +', () => post(`/v2/Services/${va}/Verifications`, { To: '4155550141', Channel: 'sms' }), 400, 60200, /`To`/],
    ['Verification email To on the SMS channel', () => post(`/v2/Services/${va}/Verifications`, { To: 'a@example.com', Channel: 'sms' }), 400, 60200, /`To`/],
    ['Verification with an unsupported Locale (Twilio: 404)', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', Locale: 'xx' }), 404, 20404, /Locale/],
    ['CustomCode on a Service without custom codes', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', CustomCode: '123456' }), 400, 60200, /CustomCode/],
    ['a malformed AppHash', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', AppHash: 'short' }), 400, 60200, /AppHash/],
    ['a malformed TemplateSid', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', TemplateSid: 'HJ12' }), 400, 60200, /TemplateSid/],
    ['an unknown TemplateSid', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', TemplateSid: `HJ${'b'.repeat(32)}` }), 400, 60200, /TemplateSid/],
    ['Tags that are not JSON', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', Tags: '{nope' }), 400, 60200, /Tags/],
    ['more than 10 Tags', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', Tags: JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']))) }), 400, 60200, /Tags/],
    ['RateLimits that is not an object', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', RateLimits: '[1]' }), 400, 60200, /RateLimits/],
    ['DeviceIp that is not an address', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', DeviceIp: '999.1.1.1' }), 400, 60200, /DeviceIp/],
    ['RiskCheck outside enable|disable', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', RiskCheck: 'maybe' }), 400, 60200, /RiskCheck/],
    ['SendDigits with letters', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'call', SendDigits: 'abc' }), 400, 60200, /SendDigits/],
    ['CustomMessage without the code', () => post(`/v2/Services/${va}/Verifications`, { To: '+14155550141', Channel: 'sms', CustomMessage: 'hello' }), 400, 60200, /CustomMessage/],
    ['PSD2 Service without Amount', () => post(`/v2/Services/${psd2}/Verifications`, { To: '+14155550141', Channel: 'sms', Payee: 'Acme' }), 400, 60200, /Amount/],
    ['fetch a malformed VE sid', () => twilioReq(base, 'GET', `/v2/Services/${va}/Verifications/VE123`, undefined, auth), 404, 20404],
    ['fetch an unknown VE sid', () => twilioReq(base, 'GET', `/v2/Services/${va}/Verifications/VE${'0'.repeat(32)}`, undefined, auth), 404, 20404],
    ['fetch a verification through another Service', () => twilioReq(base, 'GET', `/v2/Services/${psd2}/Verifications/${ve}`, undefined, auth), 404, 20404],
    ['update without Status', () => post(`/v2/Services/${va}/Verifications/${ve}`, {}), 400, 60200, /Status/],
    ['update to Status=pending', () => post(`/v2/Services/${va}/Verifications/${ve}`, { Status: 'pending' }), 400, 60200, /Status/],
    ['approve a verification without a CustomCode', () => post(`/v2/Services/${va}/Verifications/${ve}`, { Status: 'approved' }), 400, 60200, /Status/],
    ['check without Code', () => post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550140' }), 400, 60200, /`Code`/],
    ['check with a 3-character Code', () => post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550140', Code: '123' }), 400, 60200, /`Code`/],
    ['check with an 11-character Code', () => post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550140', Code: '12345678901' }), 400, 60200, /`Code`/],
    ['check without To or VerificationSid', () => post(`/v2/Services/${va}/VerificationCheck`, { Code: '123456' }), 400, 60200, /VerificationSid/],
    ['check with a malformed VerificationSid', () => post(`/v2/Services/${va}/VerificationCheck`, { Code: '123456', VerificationSid: 'VE1' }), 400, 60200, /VerificationSid/],
    ['check with an invalid To', () => post(`/v2/Services/${va}/VerificationCheck`, { Code: '123456', To: 'nobody' }), 400, 60200, /`To`/],
    ['check with an unknown recipient', () => post(`/v2/Services/${va}/VerificationCheck`, { Code: '123456', To: '+14155550149' }), 404, 20404],
    ['check a verification through another Service', () => post(`/v2/Services/${psd2}/VerificationCheck`, { Code: '123456', VerificationSid: ve }), 404, 20404],
  ];
  it.each(cases)('%s', async (_name, call, status, code, message) => {
    expectTwilioError(await call(), status, code, message);
  });

  it('a check through another Service did not spend an attempt', async () => {
    const id = (await import('../src/dialects/twilio/ids.js')).verificationIdOf(ve)!;
    expect((await s.otpd.store.getVerification((await s.otpd.store.findAccountByName('default'))!.id, id))!.attempts).toBe(0);
  });
});

describe('fuzz: hostile parameters on every route never give a 5xx', () => {
  const names = ['To', 'Channel', 'Code', 'VerificationSid', 'Status', 'FriendlyName', 'CodeLength', 'Locale', 'CustomCode', 'CustomMessage', 'CustomFriendlyName',
    'Amount', 'Payee', 'AppHash', 'TemplateSid', 'Tags', 'RateLimits', 'ChannelConfiguration', 'DeviceIp', 'RiskCheck', 'SendDigits', 'LookupEnabled',
    'Psd2Enabled', 'CustomCodeEnabled', 'DefaultTemplateSid', 'Totp.Skew', '__proto__', 'constructor', 'hasOwnProperty'];
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', 'sms', 'call', 'email', 'whatsapp', 'auto', 'canceled', 'approved', 'true', '+14155550142', 'a@b.co', '{}', '[]', '{"a":1}', '123456', 'x'.repeat(2000)),
    fc.stringMatching(/^(VE|VA|HJ)[0-9a-f]{32}$/),
  );
  const paths = () => [
    '/v2/Services',
    `/v2/Services/${va}`,
    `/v2/Services/${va}/Verifications`,
    `/v2/Services/${va}/Verifications/${ve}`,
    `/v2/Services/${va}/VerificationCheck`,
    `/v2/Services/${psd2}/Verifications`,
  ];

  it('answers 2xx or a Twilio-shaped 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom('POST', 'GET', 'DELETE'),
        fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 6 }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data', ''),
        async (pi, method, params, ct) => {
          const path = paths()[pi]!;
          // Never delete the shared Service: that would only make later runs 404s.
          if (method === 'DELETE' && path === `/v2/Services/${va}`) return;
          const raw = method === 'GET' ? undefined : new URLSearchParams(params).toString();
          const headers: Record<string, string> = ct ? { 'content-type': ct } : {};
          const r = await twilioReq(base, method, path, undefined, auth, { raw, headers });
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) expect(r.body).toMatchObject({ code: expect.any(Number), message: expect.any(String), more_info: expect.any(String), status: r.status });
        },
      ),
      { numRuns: 300 },
    );
    // Still up and answering.
    expect((await twilioReq(base, 'GET', `/v2/Services/${va}`, undefined, auth)).status).toBe(200);
  });
});
