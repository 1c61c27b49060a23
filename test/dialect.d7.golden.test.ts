// Golden tests from every D7 Verify v1 request and response sample (vendors.md section 5, the verify-otp seed page, D7's docs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verIdOf } from '../src/dialects/d7/ids.js';
import { consoleLinesFor, d7Code, d7For, type D7Client } from './helpers/d7-client.js';
import { startServer, type TestServer } from './helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTENT = 'Greetings from D7 API, your mobile verification code is: {}';

describe('D7 Verify v1 golden samples', () => {
  let s: TestServer;
  let d7: D7Client;

  beforeAll(async () => {
    s = await startServer();
    d7 = await d7For(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('prints the token in D7 vocabulary, and stores only its hash', async () => {
    const { ids, display } = await s.credentials('d7');
    expect(Object.keys(display)).toEqual(['API Token']);
    expect(display['API Token']).toMatch(/^otpd_d7_[A-Za-z0-9_-]{43}$/);
    const stored = (await s.otpd.store.dialects.listCredentials()).find((c) => c.id === ids[0]);
    expect(stored).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain(display['API Token']);
  });

  it('send-otp: the curl sample (expiry as the string "600") answers {otp_id, status: OPEN, expiry: 600} and sends the content', async () => {
    const res = await d7.sendOtp({ originator: 'SignOTP', recipient: '+971509752555', content: CONTENT, expiry: '600', data_coding: 'text' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expiry', 'otp_id', 'status']);
    expect(res.body).toMatchObject({ status: 'OPEN', expiry: 600 });
    expect(res.body.otp_id).toMatch(UUID);
    const code = await d7Code(s, res.body.otp_id);
    expect(code).toMatch(/^\d{6}$/);
    expect(consoleLinesFor(s, res.body.otp_id).at(-1)).toContain(`sms to +971509752555 (${verIdOf(res.body.otp_id)}): Greetings from D7 API, your mobile verification code is: ${code}`);
    // originator -> the sender of the message.
    const rec = await s.otpd.store.getVerification((await s.otpd.store.findAccountByName('default'))!.id, verIdOf(res.body.otp_id)!);
    expect(rec).toMatchObject({ sender: 'SignOTP', codeLength: 6, codeType: 'numeric' });
    expect(rec!.expiresAt - rec!.createdAt).toBe(600_000);
  });

  it('send-otp: the full parameter table sample (country code without +, template_id 25, retry settings, postback URLs) is accepted', async () => {
    const res = await d7.sendOtp({
      originator: 'D7Web',
      recipient: '971509752556',
      content: CONTENT,
      expiry: 300,
      data_coding: 'auto',
      retry_delay: 60,
      retry_count: 3,
      otp_code_length: 6,
      otp_type: 'numeric',
      template_id: 25,
      success_url: 'https://d7networks.com/callback-receiver-success',
      failure_url: 'https://d7networks.com/callback-receiver-failed',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'OPEN', expiry: 300 });
    await d7Code(s, res.body.otp_id);
    expect(consoleLinesFor(s, res.body.otp_id).at(-1)).toContain('sms to +971509752556');
  });

  it('send-otp: the body-object sample spelled `recipients` is accepted, and D7 defaults apply (6 digits, 600 s)', async () => {
    const res = await d7.sendOtp({ originator: 'SignOTP', recipients: '+971509752557', content: CONTENT });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'OPEN', expiry: 600 });
    expect(await d7Code(s, res.body.otp_id)).toMatch(/^\d{6}$/);
  });

  it('send-otp: otp_code_length, otp_type and channel WhatsApp change the code and the channel', async () => {
    const res = await d7.sendOtp({ recipient: '+971509752558', content: 'Code {}', otp_code_length: 8, otp_type: 'alpha', channel: 'WhatsApp' });
    expect(res.status).toBe(200);
    const code = await d7Code(s, res.body.otp_id, 'Code {}');
    expect(code).toMatch(/^[A-Z]{8}$/);
    expect(consoleLinesFor(s, res.body.otp_id).at(-1)).toContain('whatsapp to +971509752558');
  });

  it('verify-otp: the seed sample flow answers FAILED for a wrong code, APPROVED for the right one, then ALREADY_VERIFIED', async () => {
    const sent = await d7.sendOtp({ originator: 'SignOTP', recipient: '+971509752559', content: CONTENT, expiry: '600', data_coding: 'text' });
    const code = await d7Code(s, sent.body.otp_id);
    const wrong = code === '689237' ? '749679' : '689237';
    const r1 = await d7.verifyOtp(sent.body.otp_id, wrong);
    expect(r1.status).toBe(200);
    expect(r1.body).toEqual({ status: 'FAILED' });
    const r2 = await d7.verifyOtp(sent.body.otp_id, code);
    expect(r2.status).toBe(200);
    expect(r2.body).toEqual({ status: 'APPROVED' });
    const r3 = await d7.verifyOtp(sent.body.otp_id, code);
    expect(r3.body).toEqual({ status: 'ALREADY_VERIFIED' });
    // The report says the OTP is no longer open.
    expect((await d7.report(sent.body.otp_id)).body).toEqual({ status: 'APPROVED' });
  });

  it('verify-otp: the README sample sends otp_code as a number (435986-style); it is read as the code', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509752560', content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id);
    const res = await d7.call('POST', '/verify/v1/otp/verify-otp', { otp_id: sent.body.otp_id, otp_code: Number(code) });
    // A code with a leading zero cannot survive as a JSON number; every other one approves.
    expect(res.body).toEqual({ status: code.startsWith('0') ? 'FAILED' : 'APPROVED' });
  });

  it('verify-otp: the seed page endpoint /verify/v1/verify-otp works like /verify/v1/otp/verify-otp', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509752561', content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id);
    const res = await d7.call('POST', '/verify/v1/verify-otp', { otp_id: sent.body.otp_id, otp_code: code });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'APPROVED' });
  });

  it('verify-otp: the seed sample otp_id, never issued here, is 400 INVALID_OTP_CODE in D7 words', async () => {
    const res = await d7.verifyOtp('86b24910-2d1e-4257-b6d4-e6b829e50e84', '689237');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: { code: 'INVALID_OTP_CODE', message: 'Invalid OTP code or OTP code expired' } });
  });

  it('report: 200 {status: OPEN} for a fresh OTP; 404 MESSAGE_LOG_NOT_EXISTS for an unknown otp_id', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509752562', content: CONTENT });
    const ok = await d7.report(sent.body.otp_id);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'OPEN' });
    const missing = await d7.report('8d963dbf-d655-4fe6-9157-48885a036050');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: { code: 'MESSAGE_LOG_NOT_EXISTS', message: 'Given message otp id not exists in the system. Please Try Again!' } });
  });

  it('report: an OkHttp-style GET carrying an empty text/plain body is answered normally', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509752563', content: CONTENT });
    const res = await fetch(`${d7.base}/verify/v1/report/${sent.body.otp_id}`, { headers: { authorization: `Bearer ${d7.token}`, 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'OPEN' });
  });

  it('resend-otp: 400 "Frequent resend request…" inside the 60 s default delay, same otp_id; the /verify/v1/resend-otp alias answers alike', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509752564', content: CONTENT });
    const res = await d7.resendOtp(sent.body.otp_id);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Frequent resend request, resend request need minimum 60 seconds delay' });
    const alias = await d7.call('POST', '/verify/v1/resend-otp', { otp_id: sent.body.otp_id });
    expect(alias.status).toBe(400);
    expect(alias.body).toEqual(res.body);
  });

  it('401: a missing or unknown token gets D7 ACCESS_TOKEN_SIGNATURE_VERIFICATION_FAILED', async () => {
    const body = { detail: { code: 'ACCESS_TOKEN_SIGNATURE_VERIFICATION_FAILED', message: 'Access token signature verification failed' } };
    const none = await d7.call('POST', '/verify/v1/otp/send-otp', { recipient: '+971509752565', content: CONTENT }, { token: null });
    expect(none.status).toBe(401);
    expect(none.body).toEqual(body);
    const wrong = await d7.call('GET', '/verify/v1/report/8d963dbf-d655-4fe6-9157-48885a036050', undefined, { token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(body);
    // The native API key is not a D7 token.
    const native = await d7.call('GET', '/verify/v1/report/8d963dbf-d655-4fe6-9157-48885a036050', undefined, { token: s.liveKey });
    expect(native.status).toBe(401);
  });

  it('422: a validation error has the FastAPI shape {detail: [{loc, msg, type}]}', async () => {
    const res = await d7.call('POST', '/verify/v1/otp/verify-otp', { otp_id: '8d963dbf-d655-4fe6-9157-48885a036050' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ loc: ['body', 'otp_code'], msg: 'field required', type: 'value_error.missing' }] });
  });
});
