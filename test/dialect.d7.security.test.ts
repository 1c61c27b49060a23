// The core's security properties hold through the D7 dialect: attempt cap, single approval, no reset by resend, account isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { d7Code, d7For, type D7Client } from './helpers/d7-client.js';
import { startServer, type TestServer } from './helpers/server.js';

const CONTENT = 'Your code is {}';
const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');

describe('D7 dialect security properties', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  let s: TestServer;
  let d7: D7Client;
  let n = 0;
  const nextNumber = () => `+97150976${String(1000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    s = await startServer({ clock });
    d7 = await d7For(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('attempt cap: after 5 wrong codes the right one is refused (400 INVALID_OTP_CODE), and the report says FAILED', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    for (let i = 0; i < 5; i++) expect((await d7.verifyOtp(sent.body.otp_id, wrongFor(code))).body).toEqual({ status: 'FAILED' });
    const right = await d7.verifyOtp(sent.body.otp_id, code);
    expect(right.status).toBe(400);
    expect(right.body).toEqual({ detail: { code: 'INVALID_OTP_CODE', message: 'Invalid OTP code or OTP code expired' } });
    expect((await d7.report(sent.body.otp_id)).body).toEqual({ status: 'FAILED' });
  });

  it('attempt cap under a parallel burst: 40 concurrent wrong guesses count at most 5, then the right code is refused', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    const guesses = Array.from({ length: 40 }, (_, i) => String(i).padStart(6, '0')).filter((g) => g !== code);
    const answers = await Promise.all(guesses.map((g) => d7.verifyOtp(sent.body.otp_id, g)));
    expect(answers.every((a) => a.status < 500)).toBe(true);
    expect(answers.filter((a) => a.body?.status === 'FAILED')).toHaveLength(5);
    expect((await d7.verifyOtp(sent.body.otp_id, code)).status).toBe(400);
  });

  it('single approval: 20 concurrent right codes approve exactly once; the rest are ALREADY_VERIFIED', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    const answers = await Promise.all(Array.from({ length: 20 }, () => d7.verifyOtp(sent.body.otp_id, code)));
    const statuses = answers.map((a) => a.body.status);
    expect(statuses.filter((x) => x === 'APPROVED')).toHaveLength(1);
    expect(statuses.filter((x) => x === 'ALREADY_VERIFIED')).toHaveLength(19);
  });

  it('no reset by resend: resend-otp (or a repeated send-otp) restores no attempts and keeps the code', async () => {
    const to = nextNumber();
    const sent = await d7.sendOtp({ recipient: to, content: CONTENT, retry_delay: 60 });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    for (let i = 0; i < 3; i++) await d7.verifyOtp(sent.body.otp_id, wrongFor(code));
    clock.advance(60_000);
    expect((await d7.resendOtp(sent.body.otp_id)).status).toBe(200);
    clock.advance(60_000);
    // A fresh send-otp for the same number is the same OTP, not a new attempt budget.
    expect((await d7.sendOtp({ recipient: to, content: CONTENT })).body.otp_id).toBe(sent.body.otp_id);
    for (let i = 0; i < 2; i++) expect((await d7.verifyOtp(sent.body.otp_id, wrongFor(code))).body).toEqual({ status: 'FAILED' });
    // 5 wrong in all: the budget is spent, so the original code is refused.
    expect((await d7.verifyOtp(sent.body.otp_id, code)).status).toBe(400);
  });

  it("account isolation: another account's token cannot see, resend or verify an otp_id", async () => {
    await s.otpd.accounts.ensure('other');
    const other = await d7For(s, { account: 'other' });
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    expect((await other.report(sent.body.otp_id)).status).toBe(404);
    clock.advance(61_000);
    expect((await other.resendOtp(sent.body.otp_id)).status).toBe(404);
    expect((await other.verifyOtp(sent.body.otp_id, code)).status).toBe(400);
    // Its guesses did not touch the owner's OTP.
    expect((await d7.verifyOtp(sent.body.otp_id, code)).body).toEqual({ status: 'APPROVED' });
  });

  it('a revoked token is refused at once on a fresh look-up', async () => {
    const { ids, display } = await s.credentials('d7');
    await s.otpd.store.dialects.revokeCredential(ids[0]!, clock.now());
    const res = await fetch(`${s.url}/d7/verify/v1/report/8d963dbf-d655-4fe6-9157-48885a036050`, { headers: { authorization: `Bearer ${display['API Token']}` } });
    expect(res.status).toBe(401);
  });

  it('never logs the token or a code', async () => {
    const sent = await d7.sendOtp({ recipient: nextNumber(), content: CONTENT });
    const code = await d7Code(s, sent.body.otp_id, CONTENT);
    await d7.verifyOtp(sent.body.otp_id, code);
    expect(s.logs.text).not.toContain(d7.token);
    expect(s.logs.text).not.toContain(`"${code}"`);
  });
});
