// Core security properties through the GetOTP dialect: attempt cap (verify-by-phone cannot brute-force), single approval, no reset by resend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { verificationIdOf } from '../src/dialects/getotp/ids.js';
import { startServer, type TestServer } from './helpers/server.js';
import { call, deliveredCode, getotpKeys, putTemplate, sampleData, SAMPLE_TEMPLATE, wrongCode, type GetOtpKeys } from './helpers/getotp-client.js';

const clock = new ManualClock();
let s: TestServer;
let base: string;
let keys: GetOtpKeys;

beforeAll(async () => {
  s = await startServer({ clock });
  base = `${s.url}/getotp`;
  keys = await getotpKeys(s);
  await putTemplate(base, keys.key, SAMPLE_TEMPLATE);
});
afterAll(async () => s.close());

async function sendTo(phone: string): Promise<{ messageId: string; code: string }> {
  const r = await call(base, 'POST', '/v1/verifications', { key: keys.key, json: sampleData({ phone, code_length: 6 }) });
  expect(r.status, r.text).toBe(200);
  return { messageId: r.body.message_id, code: await deliveredCode(s, r.body.message_id) };
}

const verify = (phone: string, code: string) => call(base, 'GET', `/v1/verifications?${new URLSearchParams({ code, phone })}`, { key: keys.key });

async function record(messageId: string) {
  const account = (await s.otpd.store.findAccountByName('default'))!;
  return (await s.otpd.store.getVerification(account.id, verificationIdOf(messageId)))!;
}

describe('attempt cap', () => {
  it('counts every verify-by-phone as an attempt, so the right code after five wrong ones is refused', async () => {
    const phone = '60123450001';
    const { messageId, code } = await sendTo(phone);
    for (let i = 1; i <= 5; i++) {
      // Both of GetOTP's phone spellings name the same verification.
      const r = await verify(i % 2 ? phone : `+${phone}`, wrongCode(code));
      expect(r.body.data).toEqual([]);
      expect((await record(messageId)).attempts).toBe(i);
    }
    expect((await record(messageId)).status).toBe('max_attempts_reached');
    const late = await verify(phone, code);
    expect(late.status).toBe(200);
    expect(late.body.data).toEqual([]);
  });
});

describe('single approval', () => {
  it('approves a code once; the same code again answers empty data', async () => {
    const phone = '60123450002';
    const { code } = await sendTo(phone);
    expect((await verify(phone, code)).body.data).toHaveLength(1);
    expect((await verify(phone, code)).body.data).toEqual([]);
  });

  it('of many concurrent correct verifies, exactly one gets data', async () => {
    const phone = '60123450003';
    const { messageId, code } = await sendTo(phone);
    const results = await Promise.all(Array.from({ length: 12 }, () => verify(phone, code)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const approved = results.filter((r) => r.body.data.length === 1);
    expect(approved).toHaveLength(1);
    expect(approved[0]!.body.data[0].message_id).toBe(messageId);
  });
});

describe('no reset by resend', () => {
  it('a second send to the same phone is the same verification with the same code and the attempts already spent', async () => {
    const phone = '60123450004';
    const first = await sendTo(phone);
    for (let i = 0; i < 3; i++) expect((await verify(phone, wrongCode(first.code))).body.data).toEqual([]);

    clock.advance(31_000); // past the resend cooldown
    const again = await call(base, 'POST', '/api/verify/', { key: keys.key, json: sampleData({ phone, code_length: 4 }) });
    expect(again.status).toBe(200);
    expect(again.body.message_id).toBe(first.messageId);
    expect((await record(first.messageId)).attempts).toBe(3);

    for (let i = 0; i < 2; i++) expect((await verify(phone, wrongCode(first.code))).body.data).toEqual([]);
    expect((await verify(phone, first.code)).body.data).toEqual([]);
    expect((await record(first.messageId)).status).toBe('max_attempts_reached');
  });
});

describe('expiry', () => {
  it('refuses the right code after expire_date', async () => {
    const phone = '60123450005';
    const { code } = await sendTo(phone);
    clock.advance(10 * 60_000 + 1);
    expect((await verify(phone, code)).body.data).toEqual([]);
  });
});
