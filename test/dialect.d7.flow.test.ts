// D7 flows against an injected clock: resend after retry_delay, retry_count, expiry (verify, resend, report), sandbox tokens, repeated send-otp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { consoleLinesFor, d7Code, d7For, type D7Client } from './helpers/d7-client.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

const CONTENT = 'Your code is {}';

describe('D7 Verify v1 flows', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  let s: TestServer;
  let d7: D7Client;
  let n = 0;
  const nextNumber = () => `+97150975${String(3000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    s = await startServer({ clock });
    d7 = await d7For(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('resends the same code once retry_delay (default 60 s) has passed; resend_count counts, expiry counts down', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    clock.advance(59_000);
    const early = await d7.resendOtp(sent.body.otp_id);
    expect(early.status).toBe(400);
    expect(early.body).toEqual({ detail: 'Frequent resend request, resend request need minimum 60 seconds delay' });
    expect(early.headers.get('retry-after')).toBe('1');
    clock.advance(1_000);
    const res = await d7.resendOtp(sent.body.otp_id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ otp_id: sent.body.otp_id, status: 'OPEN', expiry: 540, resend_count: 1 });
    await waitFor('the second delivery', () => (consoleLinesFor(s, sent.body.otp_id).length === 2 ? true : undefined));
    // The same code goes out again (otpd never rotates a code on resend).
    expect(consoleLinesFor(s, sent.body.otp_id)[1]).toContain(`Your code is ${code}`);
    expect((await d7.verifyOtp(sent.body.otp_id, code)).body).toEqual({ status: 'APPROVED' });
  });

  it('honours a per-OTP retry_delay and retry_count from send-otp', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT, retry_delay: 90, retry_count: 1 });
    clock.advance(60_000);
    const early = await d7.resendOtp(sent.body.otp_id);
    expect(early.body).toEqual({ detail: 'Frequent resend request, resend request need minimum 90 seconds delay' });
    clock.advance(30_000);
    expect((await d7.resendOtp(sent.body.otp_id)).body).toMatchObject({ status: 'OPEN', resend_count: 1 });
    clock.advance(90_000);
    const over = await d7.resendOtp(sent.body.otp_id);
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ detail: 'Resend Failed. OTP resend limit exceeded.' });
  });

  it('the engine cooldown still binds when retry_delay is shorter (0 s)', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT, retry_delay: 0 });
    clock.advance(10_000);
    const res = await d7.resendOtp(sent.body.otp_id);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Frequent resend request, resend request need minimum 30 seconds delay' });
    expect(res.headers.get('retry-after')).toBe('20');
  });

  it('after expiry: verify-otp answers EXPIRED, resend-otp "Resend Failed. OTP time limit expired.", the report EXPIRED', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT, expiry: 120 });
    expect(sent.body.expiry).toBe(120);
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    clock.advance(120_000);
    expect((await d7.verifyOtp(sent.body.otp_id, code)).body).toEqual({ status: 'EXPIRED' });
    const resend = await d7.resendOtp(sent.body.otp_id);
    expect(resend.status).toBe(400);
    expect(resend.body).toEqual({ detail: 'Resend Failed. OTP time limit expired.' });
    expect((await d7.report(sent.body.otp_id)).body).toEqual({ status: 'EXPIRED' });
  });

  it('resend of a verified OTP is refused in D7 style', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    expect((await d7.verifyOtp(sent.body.otp_id, code)).body).toEqual({ status: 'APPROVED' });
    clock.advance(61_000);
    const res = await d7.resendOtp(sent.body.otp_id);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Resend Failed. OTP already verified or closed.' });
  });

  it('a second send-otp to the same number returns the same otp_id: within the cooldown without a new send, later with one', async () => {
    const to = nextNumber();
    const first = await d7.sendOtp({ recipient: to, content: CONTENT });
    await d7Code(s, first.body.otp_id, CONTENT);
    clock.advance(5_000);
    const again = await d7.sendOtp({ recipient: to, content: CONTENT });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ otp_id: first.body.otp_id, status: 'OPEN', expiry: 595 });
    clock.advance(30_000);
    const later = await d7.sendOtp({ recipient: to, content: CONTENT });
    expect(later.body.otp_id).toBe(first.body.otp_id);
    await waitFor('the second delivery', () => (consoleLinesFor(s, first.body.otp_id).length === 2 ? true : undefined));
  });

  it('a sandbox token gets otp_code back in send and resend answers, and nothing is delivered', async () => {
    const sandbox = await d7For(s, { sandbox: true });
    const sent = await sandbox.sendOtp({ recipient: nextNumber(), content: CONTENT, otp_code_length: 4 });
    expect(sent.status).toBe(200);
    expect(sent.body.otp_code).toMatch(/^\d{4}$/);
    clock.advance(60_000);
    const again = await sandbox.resendOtp(sent.body.otp_id);
    expect(again.body).toMatchObject({ otp_code: sent.body.otp_code, resend_count: 1 });
    expect((await sandbox.verifyOtp(sent.body.otp_id, sent.body.otp_code)).body).toEqual({ status: 'APPROVED' });
    expect(consoleLinesFor(s, sent.body.otp_id)).toEqual([]);
    // A live token never sees the code.
    const live = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    expect(live.body.otp_code).toBeUndefined();
  });

  it('an OTP made through the native API can be checked and reported through D7 with D7 defaults', async () => {
    const native = await s.req('POST', '/v1/verifications', { to: nextNumber(), channel: 'sms' });
    expect(native.status).toBe(201);
    const { otpIdOf } = await import('../src/dialects/d7/ids.js');
    const otpId = otpIdOf(native.body.id);
    expect((await d7.report(otpId)).body).toEqual({ status: 'OPEN' });
    clock.advance(30_000);
    // Held to D7's default 60 s delay, not the engine's 30 s.
    expect((await d7.resendOtp(otpId)).body).toEqual({ detail: 'Frequent resend request, resend request need minimum 60 seconds delay' });
  });
});
