// Every error code of GetOTP's table through the dialect, in its {errors: [...]} shape; bad input is never a 5xx.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';
import { call, getotpKeys, putTemplate, sampleData, SAMPLE_TEMPLATE, type GetOtpKeys, type Res } from './helpers/getotp-client.js';

let s: TestServer;
let base: string;
let keys: GetOtpKeys;
let phoneSeq = 0;
/** A fresh valid Malaysian mobile number per call, so no test meets another's resend cooldown. */
const freshPhone = () => `6012345${String(1000 + phoneSeq++).padStart(4, '0')}`;

beforeAll(async () => {
  s = await startServer();
  base = `${s.url}/getotp`;
  keys = await getotpKeys(s);
  await putTemplate(base, keys.key, SAMPLE_TEMPLATE);
});
afterAll(async () => s.close());

function expectError(r: Res, status: number, code: string, path = '/v1/verifications', method = 'POST'): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/json');
  expect(r.body).toEqual({ errors: [{ timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/), path, method, status, message: expect.any(String), code }] });
}

const send = (data: Record<string, unknown>, key: string | null = keys.key) => call(base, 'POST', '/v1/verifications', { key, json: sampleData({ phone: freshPhone(), ...data }) });

describe("GetOTP's documented error codes", () => {
  it('1136 User Not Authorized: missing key, unknown key, wrong Basic token, on every API route', async () => {
    expectError(await send({}, null), 401, '1136');
    expectError(await send({}, 'x'.repeat(32)), 401, '1136');
    expectError(await send({}, 'y'.repeat(5000)), 401, '1136');
    expectError(await call(base, 'POST', '/api/verify/', { basic: [keys.key, 'wrong-token'], form: { channel: 'sms' } }), 401, '1136', '/api/verify/');
    expectError(await call(base, 'POST', '/api/verify/', { basic: [keys.token, keys.key], form: { channel: 'sms' } }), 401, '1136', '/api/verify/');
    expectError(await call(base, 'GET', '/v1/verifications?code=1234&phone=60123456789'), 401, '1136', '/v1/verifications', 'GET');
    expectError(await call(base, 'GET', '/api/verify/abcdefghij0123456789/'), 401, '1136', '/api/verify/abcdefghij0123456789/', 'GET');
    expect((await send({}, null)).body.errors[0].message).toBe('User Not Authorized');
  });

  it('1512 Invalid template id', async () => {
    for (const template of ['not-a-uuid', '6d16aa9d-bf19-4141-8169', 42, { id: SAMPLE_TEMPLATE }]) expectError(await send({ template }), 400, '1512');
  });

  it('1513 Template is not found (unknown, or another account\'s)', async () => {
    expectError(await send({ template: randomUUID() }), 400, '1513');
    await s.otpd.accounts.create('other-1513');
    const other = await getotpKeys(s, { account: 'other-1513' });
    expectError(await send({}, other.key), 400, '1513');
  });

  it('1515 Invalid channel specified', async () => {
    for (const channel of ['fax', '', undefined, 7]) expectError(await send({ channel }), 400, '1515');
  });

  it('1523 Invalid recipient number(s)', async () => {
    for (const phone of ['abc', '60-12-345', '+', '12', '6000000000000000', '999999999']) expectError(await send({ phone }), 400, '1523');
  });

  it("1620 'sender' is missing", async () => {
    for (const sender of [undefined, '', '   ', 5, 'S'.repeat(65)]) expectError(await send({ sender }), 400, '1620');
  });

  it("1621 'phone' is missing", async () => {
    const r = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: { data: { channel: 'sms', sender: 'GetOTP', template: SAMPLE_TEMPLATE, code_length: 4 } } });
    expectError(r, 400, '1621');
    expect(r.body.errors[0].message).toBe("'phone' is missing");
    expectError(await call(base, 'GET', '/v1/verifications?code=1234', { key: keys.key }), 400, '1621', '/v1/verifications', 'GET');
  });

  it("1622 'template' is missing", async () => {
    for (const template of [undefined, null, '']) expectError(await send({ template }), 400, '1622');
  });

  it('1623 Invalid code length', async () => {
    for (const code_length of [3, 9, 4.5, 'x', -4, true]) expectError(await send({ code_length }), 400, '1623');
  });

  it('1624 Template does not contain keyword {code}: refused when registered and when used', async () => {
    const id = randomUUID();
    expectError(await putTemplate(base, keys.key, id, 'Hello, no placeholder here'), 400, '1624', `/v1/templates/${id}`, 'PUT');
    // A template stored by other means (an import, an older version) is refused when a verification uses it.
    const account = (await s.otpd.store.findAccountByName('default'))!;
    const legacyId = randomUUID();
    await s.otpd.store.createTemplate({ id: legacyId, accountId: account.id, channel: 'sms', locale: 'en', body: 'No code in here', createdAt: Date.now() });
    const r = await send({ template: legacyId });
    expectError(r, 400, '1624');
    expect(r.body.errors[0].message).toBe('Template does not contain keyword {code}');
  });

  it("1629 Provide either 'data.code' or 'data.code_length' but not both", async () => {
    expectError(await send({ code: '1234', code_length: 4 }), 400, '1629');
    expectError(await send({ code_length: undefined }), 400, '1629');
  });

  it('1631 code must be 4 to 8 characters long', async () => {
    for (const code of ['123', '123456789']) expectError(await send({ code_length: undefined, code }), 400, '1631');
  });

  it("1632 'data.code' should be numeric if provided", async () => {
    for (const code of ['12a4', 'abcd', '12 34', '-1234', [1, 2, 3, 4]]) expectError(await send({ code_length: undefined, code }), 400, '1632');
  });

  it('1705 Invalid payload', async () => {
    for (const payload of [{ order_id: 'x' }, 42, ['a'], 'p'.repeat(4097)]) expectError(await send({ payload }), 400, '1705');
    const legacy = await call(base, 'POST', '/api/verify/', {
      key: keys.key,
      form: { channel: 'sms', success_redirect_url: 'https://a.test/ok', fail_redirect_url: 'https://a.test/no', metadata: 'm'.repeat(4097) },
    });
    expectError(legacy, 400, '1705', '/api/verify/');
  });
});

describe("otpd's own codes, where GetOTP documents none", () => {
  it('1900 for a body that is not JSON or not an object, 1904 for an unsupported media type, 1903 for a huge body', async () => {
    expectError(await call(base, 'POST', '/v1/verifications', { key: keys.key, raw: '{"data": ', headers: { 'content-type': 'application/json' } }), 400, '1900');
    expectError(await call(base, 'POST', '/v1/verifications', { key: keys.key, json: [1, 2] }), 400, '1900');
    expectError(await call(base, 'POST', '/v1/verifications', { key: keys.key, json: { data: 'sms' } }), 400, '1900');
    expectError(await call(base, 'POST', '/v1/verifications', { key: keys.key, raw: 'hello', headers: { 'content-type': 'text/plain' } }), 415, '1904');
    expectError(await call(base, 'POST', '/v1/verifications', { key: keys.key, json: { data: { pad: 'x'.repeat(70_000) } } }), 413, '1903');
    expectError(await call(base, 'POST', '/v1/verifications', { key: keys.key, raw: 'x', headers: { 'content-type': 'multipart/form-data' } }), 400, '1900');
  });

  it('1901 for an unknown route', async () => {
    expectError(await call(base, 'GET', '/v2/nothing?x=1', { key: keys.key }), 404, '1901', '/v2/nothing', 'GET');
  });

  it('1921 (429, Retry-After) for a second send to the same phone inside the resend cooldown', async () => {
    const phone = freshPhone();
    expect((await send({ phone })).status).toBe(200);
    const again = await send({ phone });
    expectError(again, 429, '1921');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('legacy fields: 1515 channel, 1523 recipient, 1910/1911/1912 URLs', async () => {
    const ok = { channel: 'sms', success_redirect_url: 'https://a.test/ok', fail_redirect_url: 'https://a.test/no' };
    const legacy = (over: Record<string, string>) => call(base, 'POST', '/api/verify/', { basic: [keys.key, keys.token], form: { ...ok, ...over } });
    expectError(await legacy({ channel: 'fax' }), 400, '1515', '/api/verify/');
    expectError(await legacy({ channel: 'sms,pigeon' }), 400, '1515', '/api/verify/');
    expectError(await legacy({ phone_sms: '+6012' }), 400, '1523', '/api/verify/');
    expectError(await legacy({ channel: 'email', email: 'not-an-email' }), 400, '1523', '/api/verify/');
    expectError(await legacy({ success_redirect_url: '' }), 400, '1910', '/api/verify/');
    expectError(await legacy({ success_redirect_url: 'javascript:alert(1)' }), 400, '1910', '/api/verify/');
    expectError(await legacy({ fail_redirect_url: 'not a url' }), 400, '1911', '/api/verify/');
    expectError(await legacy({ callback_url: 'ftp://a.test/cb' }), 400, '1912', '/api/verify/');
  });
});

describe('bad input never makes a 5xx', () => {
  it('answers arbitrary `data` values with a GetOTP-shaped 4xx or a 200', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          channel: fc.oneof(fc.constantFrom('sms', 'voice', 'email', 'whatsapp', 'SMS'), fc.anything()),
          sender: fc.oneof(fc.constant('GetOTP'), fc.anything()),
          phone: fc.oneof(fc.stringMatching(/^\+?\d{0,17}$/), fc.anything()),
          template: fc.oneof(fc.constant(SAMPLE_TEMPLATE), fc.uuid(), fc.anything()),
          code: fc.oneof(fc.stringMatching(/^\d{0,10}$/), fc.anything()),
          code_length: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.anything()),
          payload: fc.oneof(fc.string(), fc.anything()),
        }, { requiredKeys: [] }),
        async (data) => {
          const r = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: { data } });
          expect(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} ${r.text}`).toBe(true);
          if (r.status !== 200) expect(r.body.errors[0]).toMatchObject({ status: r.status, code: expect.stringMatching(/^1\d{3}$/) });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary legacy forms and verify queries with a 4xx or a 2xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('channel', 'email', 'phone_sms', 'phone_voice', 'success_redirect_url', 'fail_redirect_url', 'callback_url', 'metadata', 'hide', 'lang', '__proto__'), fc.string()), fc.string(), fc.string(), async (form, phone, code) => {
        const r = await call(base, 'POST', '/api/verify/', { basic: [keys.key, keys.token], form });
        expect(r.status === 201 || (r.status >= 400 && r.status < 500), `${r.status} ${r.text}`).toBe(true);
        const q = await call(base, 'GET', `/v1/verifications?${new URLSearchParams({ phone, code })}`, { key: keys.key });
        expect(q.status === 200 || (q.status >= 400 && q.status < 500), `${q.status} ${q.text}`).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
