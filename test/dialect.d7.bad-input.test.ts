// Bad input gets D7's own error shapes with a 4xx, never a 5xx: validation lists, body parsing, unknown routes, fuzzed bodies.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d7For, type D7Client } from './helpers/d7-client.js';
import { startServer, type TestServer } from './helpers/server.js';

const SEND = '/verify/v1/otp/send-otp';
const VERIFY = '/verify/v1/otp/verify-otp';
const RESEND = '/verify/v1/otp/resend-otp';
const OK = { recipient: '+971509754000', content: 'Code {}' };

/** The FastAPI 422 shape: a non-empty detail list of {loc, msg, type}. */
function expect422(res: { status: number; body: any }): Array<{ loc: unknown[]; msg: string; type: string }> {
  expect(res.status).toBe(422);
  expect(Array.isArray(res.body.detail)).toBe(true);
  expect(res.body.detail.length).toBeGreaterThan(0);
  for (const d of res.body.detail) {
    expect(Array.isArray(d.loc)).toBe(true);
    expect(typeof d.msg).toBe('string');
    expect(typeof d.type).toBe('string');
  }
  return res.body.detail;
}

describe('D7 dialect bad input', () => {
  let s: TestServer;
  let d7: D7Client;

  beforeAll(async () => {
    s = await startServer();
    d7 = await d7For(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('send-otp without recipient: 422 field required at ["body","recipient"]', async () => {
    const detail = expect422(await d7.sendOtp({ content: 'Code {}' }));
    expect(detail).toEqual([{ loc: ['body', 'recipient'], msg: 'field required', type: 'value_error.missing' }]);
  });

  it('send-otp lists every bad field at once, in pydantic words', async () => {
    const detail = expect422(
      await d7.sendOtp({ recipient: '+971509754000', content: 'no placeholder', expiry: 'soon', otp_code_length: 11, otp_type: 'hex', channel: 'fax', data_coding: 'ebcdic', success_url: 'ftp://x', retry_count: -1 }),
    );
    const by = Object.fromEntries(detail.map((d) => [d.loc[1], d]));
    expect(Object.keys(by).sort()).toEqual(['channel', 'content', 'data_coding', 'expiry', 'otp_code_length', 'otp_type', 'retry_count', 'success_url']);
    expect(by['expiry']).toMatchObject({ msg: 'value is not a valid integer', type: 'type_error.integer' });
    expect(by['otp_code_length']).toMatchObject({ msg: 'ensure this value is less than or equal to 10', type: 'value_error.number.not_le', ctx: { limit_value: 10 } });
    expect(by['otp_type']).toMatchObject({ type: 'type_error.enum' });
    expect(by['channel']!.msg).toBe("value is not a valid enumeration member; permitted: 'SMS', 'WhatsApp'");
    expect(by['content']!.msg).toContain('{}');
  });

  it('send-otp: a 2- or 3-character code (D7 allows 2) is below otpd\'s floor of 4 and refused', async () => {
    const detail = expect422(await d7.sendOtp({ ...OK, otp_code_length: 3 }));
    expect(detail[0]).toMatchObject({ loc: ['body', 'otp_code_length'], type: 'value_error.number.not_ge', ctx: { limit_value: 4 } });
  });

  it('send-otp: expiry outside 30..86400 s is refused', async () => {
    expect422(await d7.sendOtp({ ...OK, expiry: 10 }));
    expect422(await d7.sendOtp({ ...OK, expiry: 100_000 }));
  });

  it('send-otp: a recipient that is no phone number is 422 at recipient', async () => {
    const garbage = expect422(await d7.sendOtp({ ...OK, recipient: 'call me' }));
    expect(garbage[0]!.loc).toEqual(['body', 'recipient']);
    const unreal = expect422(await d7.sendOtp({ ...OK, recipient: '+999123' }));
    expect(unreal[0]!.loc).toEqual(['body', 'recipient']);
    const typed = expect422(await d7.sendOtp({ ...OK, recipient: { n: 1 } }));
    expect(typed[0]).toMatchObject({ loc: ['body', 'recipient'], type: 'type_error.str' });
  });

  it('send-otp: an originator over 11 letters, or null for a required field, is refused', async () => {
    expect(expect422(await d7.sendOtp({ ...OK, originator: 'AVeryLongBrandName' }))[0]!.loc).toEqual(['body', 'originator']);
    expect(expect422(await d7.sendOtp({ ...OK, recipient: null }))[0]).toMatchObject({ loc: ['body', 'recipient'], type: 'type_error.none.not_allowed' });
  });

  it('send-otp: an unknown otpd template UUID is 422 at template_id', async () => {
    const detail = expect422(await d7.sendOtp({ recipient: '+971509754001', template_id: '3f0c3f59-3c59-4ad4-8d0a-0a0a0a0a0a0a' }));
    expect(detail[0]!.loc).toEqual(['body', 'template_id']);
  });

  it('a body that is not JSON, or not an object, or missing, is a 422 (not 400/415)', async () => {
    const bad = await d7.call('POST', SEND, undefined, { raw: '{"recipient": ', headers: { 'content-type': 'application/json' } });
    expect(expect422(bad)[0]).toMatchObject({ loc: ['body', 0], type: 'value_error.jsondecode' });
    const arr = await d7.call('POST', SEND, [1, 2]);
    expect(expect422(arr)[0]).toMatchObject({ loc: ['body'], type: 'type_error.dict' });
    const empty = await d7.call('POST', VERIFY, undefined, { raw: '', headers: { 'content-type': 'application/json' } });
    expect(expect422(empty)[0]).toMatchObject({ loc: ['body'], msg: 'field required' });
    const none = await d7.call('POST', RESEND);
    expect(expect422(none)[0]).toMatchObject({ loc: ['body'], msg: 'field required' });
  });

  it('JSON sent as text/plain or form content type is still read as JSON, as FastAPI does', async () => {
    const res = await d7.call('POST', SEND, undefined, { raw: JSON.stringify({ recipient: '+971509754002', content: 'Code {}' }), headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    const form = await d7.call('POST', SEND, undefined, { raw: 'recipient=%2B971509754003', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect422(form);
  });

  it('an oversized body is 413 {detail}, not a 5xx', async () => {
    const res = await d7.call('POST', SEND, { ...OK, content: `Code {} ${'x'.repeat(70_000)}` });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ detail: 'Request Entity Too Large' });
  });

  it('verify-otp / resend-otp: missing or mistyped fields are 422; a non-UUID otp_id is not found', async () => {
    expect(expect422(await d7.call('POST', VERIFY, { otp_code: '1234' }))[0]!.loc).toEqual(['body', 'otp_id']);
    expect(expect422(await d7.call('POST', VERIFY, { otp_id: ['x'], otp_code: true })).map((d) => d.loc[1])).toEqual(['otp_id', 'otp_code']);
    expect(expect422(await d7.call('POST', RESEND, {}))[0]!.loc).toEqual(['body', 'otp_id']);
    const verify = await d7.call('POST', VERIFY, { otp_id: 'not-a-uuid', otp_code: '1234' });
    expect(verify.status).toBe(400);
    expect(verify.body.detail.code).toBe('INVALID_OTP_CODE');
    const resend = await d7.call('POST', RESEND, { otp_id: 'not-a-uuid' });
    expect(resend.status).toBe(404);
    expect(resend.body.detail.code).toBe('MESSAGE_LOG_NOT_EXISTS');
    const report = await d7.call('GET', '/verify/v1/report/..%2Fetc%2Fpasswd');
    expect(report.status).toBe(404);
    expect(report.body.detail.code).toBe('MESSAGE_LOG_NOT_EXISTS');
    // A path that is not valid percent-encoding is refused by Fastify's router before any route (a 400, never a 5xx).
    expect((await d7.call('GET', '/verify/v1/report/%ff')).status).toBe(400);
  });

  it('unknown paths under the mount answer FastAPI\'s 404 {"detail":"Not Found"}', async () => {
    const res = await d7.call('GET', '/verify/v2/whatever');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('fuzz: arbitrary JSON bodies on every route never produce a 5xx, and errors keep D7 shapes', async () => {
    const routes = [SEND, VERIFY, RESEND, '/verify/v1/resend-otp', '/verify/v1/verify-otp'];
    const body = fc.oneof(
      fc.anything(),
      fc.record(
        {
          recipient: fc.oneof(fc.string(), fc.integer(), fc.constant('+971509754100'), fc.constant(null)),
          content: fc.oneof(fc.string(), fc.constant('x {} y')),
          expiry: fc.oneof(fc.integer(), fc.string(), fc.double()),
          otp_code_length: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.string()),
          otp_type: fc.string(),
          channel: fc.oneof(fc.constant('WhatsApp'), fc.string()),
          otp_id: fc.oneof(fc.uuid(), fc.string()),
          otp_code: fc.oneof(fc.string(), fc.integer()),
          template_id: fc.oneof(fc.uuid(), fc.integer(), fc.string()),
          success_url: fc.oneof(fc.webUrl(), fc.string()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async (route, b) => {
        const raw = JSON.stringify(b) ?? 'null';
        const res = await d7.call('POST', route, undefined, { raw, headers: { 'content-type': 'application/json' } });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.body).toHaveProperty('detail');
      }),
      { numRuns: 150 },
    );
    expect(s.logs.text).not.toContain('"level":50');
  });
});
