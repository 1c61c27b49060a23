// Property: the core's guarantees hold through the Eko dialect: attempt cap, single approval under races, no reset by resend, send limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { ekoClient, ekoCredentials, ekoEnvelopeKeys, type EkoClient } from './helpers/eko-client.js';
import { startServer, type TestServer } from './helpers/server.js';

const ENVELOPE = ['data', 'message', 'response_status_id', 'response_type_id', 'status'];
const COOLDOWN_MS = 30_000;

let s: TestServer;
let eko: EkoClient;
const clock = new ManualClock(Date.UTC(2026, 2, 3, 8));
let n = 0;
const mobile = () => `97${String(10_000_000 + ++n).slice(-8)}`;
const wrongFor = (otp: string) => (otp === '000000' ? '111111' : '000000');

beforeAll(async () => {
  s = await startServer({ clock, env: { OTPD_DIALECTS: 'eko' } });
  eko = ekoClient(`${s.url}/eko`, await ekoCredentials(s), clock);
});
afterAll(async () => s.close());

describe('attempt cap', () => {
  it('allows 5 guesses; the 5th wrong one closes the OTP (303) and even the right OTP is refused after it', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'cap-1' });
    const otp = sent.body.data.otp as string;
    const guess = (code: string) => eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: code, client_ref_id: 'cap-1' });
    for (let i = 0; i < 4; i++) expect((await guess(wrongFor(otp))).body).toMatchObject({ status: 302 });
    const fifth = await guess(wrongFor(otp));
    expect(fifth.body).toMatchObject({ status: 303, message: /too many wrong attempts/ });
    const right = await guess(otp);
    expect(right.status).toBe(200);
    expect(ekoEnvelopeKeys(right.body)).toEqual(ENVELOPE);
    expect(right.body).toMatchObject({ status: 303, message: /too many wrong attempts/ });
    expect(right.body.data).not.toHaveProperty('otp_verification_token');
  });

  it('holds against parallel guesses: at most 5 are counted', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'cap-2' });
    const wrong = wrongFor(sent.body.data.otp);
    const rs = await Promise.all(Array.from({ length: 12 }, () => eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: wrong, client_ref_id: 'cap-2' })));
    expect(rs.filter((r) => r.body.status === 302)).toHaveLength(4);
    expect(rs.filter((r) => r.body.status === 303)).toHaveLength(8);
    const account = (await s.otpd.store.findAccountByName('default'))!;
    expect((await s.otpd.store.getVerification(account.id, sent.body.data.otp_ref_id))!.attempts).toBe(5);
  });
});

describe('single approval', () => {
  it('of many parallel verifies with the right OTP, exactly one gets a token', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'race-1' });
    const rs = await Promise.all(
      Array.from({ length: 10 }, () => eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: sent.body.data.otp, client_ref_id: 'race-1' })),
    );
    const ok = rs.filter((r) => r.body.status === 0);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body.data.otp_verification_token).toEqual(expect.any(String));
    for (const r of rs.filter((x) => x.body.status !== 0)) expect(r.body).toMatchObject({ status: 1, message: /OTP not found/ });
  });
});

describe('no reset by resend', () => {
  it('keeps spent attempts across a resend with the same or a new client_ref_id', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'nr-1' });
    const wrong = wrongFor(sent.body.data.otp);
    for (let i = 0; i < 2; i++) expect((await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: wrong, client_ref_id: 'nr-1' })).body.status).toBe(302);

    clock.advance(COOLDOWN_MS);
    const again = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'nr-1' });
    expect(again.body).toMatchObject({ status: 0, data: { otp_ref_id: sent.body.data.otp_ref_id, otp: sent.body.data.otp } });
    expect((await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: wrong, client_ref_id: 'nr-1' })).body.status).toBe(302);

    clock.advance(COOLDOWN_MS);
    const fresh = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'nr-2' });
    expect(fresh.body).toMatchObject({ status: 0, data: { otp_ref_id: sent.body.data.otp_ref_id, client_ref_id: 'nr-2' } });
    // Three spent so far; two are left, whichever reference names the OTP.
    expect((await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: wrong, client_ref_id: 'nr-2' })).body.status).toBe(302);
    expect((await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: wrong, client_ref_id: 'nr-1' })).body).toMatchObject({ status: 303, message: /too many/ });
  });
});

describe('send limits', () => {
  it('refuses a resend within the cooldown with 429 and Retry-After, and a 6th send of one OTP', async () => {
    const m = mobile();
    const body = { initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'lim-1' };
    expect((await eko.send(body)).body.status).toBe(0);
    clock.advance(10_000);
    const early = await eko.send(body);
    expect(early.status).toBe(429);
    expect(early.headers.get('retry-after')).toBe('20');
    expect(ekoEnvelopeKeys(early.body)).toEqual(ENVELOPE);
    expect(early.body).toMatchObject({ status: 1, message: /Wait 20 s/ });
    clock.advance(20_000);
    for (let i = 2; i <= 5; i++) {
      expect((await eko.send(body)).body.status).toBe(0);
      clock.advance(COOLDOWN_MS);
    }
    const sixth = await eko.send(body);
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ status: 1, message: /sent 5 times/ });
  });
});
