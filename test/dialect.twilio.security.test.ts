// The core's security properties hold through the Twilio dialect: attempt cap, single approval, no reset by resend, isolation, no leaks.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { verificationIdOf } from '../src/dialects/twilio/ids.js';
import { startServer, type TestServer } from './helpers/server.js';
import { codeFor, twilioCreds, twilioReq, wrongCode, type TwilioCreds } from './helpers/twilio-client.js';

const clock = new ManualClock();
let s: TestServer;
let c: TwilioCreds;
let base: string;
let auth: [string, string];
beforeAll(async () => {
  s = await startServer({ clock });
  c = await twilioCreds(s);
  base = `${s.url}/twilio`;
  auth = [c.accountSid, c.authToken];
});
afterAll(async () => s.close());

const post = (path: string, params: Record<string, string>, a: [string, string] = auth) => twilioReq(base, 'POST', path, params, a);
const newService = async (a: [string, string] = auth, params: Record<string, string> = {}): Promise<string> =>
  (await post('/v2/Services', { FriendlyName: 'Sec', ...params }, a)).body.sid;

describe('attempt cap', () => {
  it('allows 5 checks; then 60202, and the right code no longer approves', async () => {
    const va = await newService();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550201', Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    for (let i = 0; i < 5; i++) expect((await post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550201', Code: wrongCode(code) })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550201', Code: code });
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 429, code: 60202 });
    }
    const id = verificationIdOf(v.body.sid)!;
    const rec = await s.otpd.store.getVerification((await s.otpd.store.findAccountByName('default'))!.id, id);
    expect(rec).toMatchObject({ status: 'max_attempts_reached', attempts: 5 });
  });

  it('parallel wrong guesses cannot exceed the cap', async () => {
    const va = await newService();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550202', Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    const guesses = Array.from({ length: 30 }, (_, i) => String(i).padStart(6, '9'));
    const results = await Promise.all(guesses.filter((g) => g !== code).map((g) => post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: g })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429 && r.body.code === 60202)).toHaveLength(results.length - 5);
  });
});

describe('single approval', () => {
  it('of 12 concurrent right checks exactly one approves; the rest are 20404', async () => {
    const va = await newService();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550203', Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    const results = await Promise.all(Array.from({ length: 12 }, () => post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code })));
    expect(results.filter((r) => r.status === 200 && r.body.status === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r.status === 404 && r.body.code === 20404)).toHaveLength(11);
  });
});

describe('no reset by resend', () => {
  it('a new start for the same recipient re-sends the same verification with the attempts already spent', async () => {
    const va = await newService();
    const to = '+14155550204';
    const v = await post(`/v2/Services/${va}/Verifications`, { To: to, Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    for (let i = 0; i < 4; i++) await post(`/v2/Services/${va}/VerificationCheck`, { To: to, Code: wrongCode(code) });

    // Too soon for another send: Twilio's 60212 with Retry-After (otpd's resend cooldown).
    const early = await post(`/v2/Services/${va}/Verifications`, { To: to, Channel: 'sms' });
    expect({ status: early.status, code: early.body.code }).toEqual({ status: 429, code: 60212 });
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);

    clock.advance(31_000);
    const again = await post(`/v2/Services/${va}/Verifications`, { To: to, Channel: 'call' });
    expect(again.status).toBe(201);
    expect(again.body.sid).toBe(v.body.sid);
    expect(again.body.send_code_attempts.map((a: { channel: string }) => a.channel)).toEqual(['sms', 'call']);

    const last = await post(`/v2/Services/${va}/VerificationCheck`, { To: to, Code: wrongCode(code) });
    expect(last.body.status).toBe('max_attempts_reached');
    const r = await post(`/v2/Services/${va}/VerificationCheck`, { To: to, Code: code });
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 429, code: 60202 });
  });

  it('another Service cannot start a second verification for a recipient that is pending (which would reset its budget)', async () => {
    const a = await newService();
    const b = await newService();
    const to = '+14155550205';
    const v = await post(`/v2/Services/${a}/Verifications`, { To: to, Channel: 'sms' });
    expect(v.status).toBe(201);
    clock.advance(31_000);
    const other = await post(`/v2/Services/${b}/Verifications`, { To: to, Channel: 'sms' });
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 429, code: 60212 });
    // Nothing was re-sent for the refused start.
    expect((await twilioReq(base, 'GET', `/v2/Services/${a}/Verifications/${v.body.sid}`, undefined, auth)).body.send_code_attempts).toHaveLength(1);
  });
});

describe('isolation', () => {
  it('another account sees neither the Services nor the verifications, and cannot check them', async () => {
    await s.otpd.accounts.create('intruder');
    const other = await twilioCreds(s, { account: 'intruder' });
    const oa: [string, string] = [other.accountSid, other.authToken];
    const va = await newService();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550206', Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    expect((await twilioReq(base, 'GET', `/v2/Services/${va}`, undefined, oa)).status).toBe(404);
    expect((await twilioReq(base, 'GET', `/v2/Services/${va}/Verifications/${v.body.sid}`, undefined, oa)).status).toBe(404);
    expect((await post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code }, oa)).status).toBe(404);
    // Their own Service cannot reach it either.
    const theirs = await newService(oa);
    expect((await post(`/v2/Services/${theirs}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code }, oa)).status).toBe(404);
    expect((await post(`/v2/Services/${theirs}/VerificationCheck`, { To: '+14155550206', Code: code }, oa)).status).toBe(404);
    // Still pending for its owner, with no attempt spent.
    expect((await post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code })).body.status).toBe('approved');
  });

  it('PSD2: a right code with another amount or payee is a failed attempt, not an approval', async () => {
    const va = await newService(auth, { Psd2Enabled: 'true' });
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550207', Channel: 'sms', Amount: '€10.00', Payee: 'Shop' });
    const code = await codeFor(s, v.body.sid);
    expect(s.consoleOut.text).toContain('Amount: €10.00. Payee: Shop.');
    const tampered = await post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code, Amount: '€9999.00', Payee: 'Shop' });
    expect(tampered.body).toMatchObject({ status: 'pending', valid: false });
    const missing = await post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code });
    expect(missing.body).toMatchObject({ status: 'pending', valid: false });
    const right = await post(`/v2/Services/${va}/VerificationCheck`, { VerificationSid: v.body.sid, Code: code, Amount: '€10.00', Payee: 'Shop' });
    expect(right.body).toMatchObject({ status: 'approved', valid: true });
  });
});

describe('secrets stay out of logs and storage', () => {
  it('never logs tokens, key secrets or codes, and stores only hashes of the secrets', async () => {
    const fresh = await twilioCreds(s);
    const va = await newService([fresh.apiKeySid, fresh.apiKeySecret]);
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550208', Channel: 'sms' }, [fresh.accountSid, fresh.authToken]);
    const code = await codeFor(s, v.body.sid);
    await post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550208', Code: code }, [fresh.accountSid, 'wrong-token']);
    await post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550208', Code: code }, [fresh.accountSid, fresh.authToken]);
    for (const secret of [fresh.authToken, fresh.apiKeySecret, code]) expect(s.logs.text).not.toContain(secret);
    const files = [s.dbPath, `${s.dbPath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1'));
    expect(files.join('')).toContain(fresh.accountSid); // the SID is the lookup, in clear
    for (const secret of [fresh.authToken, fresh.apiKeySecret]) expect(files.join('')).not.toContain(secret);
  });
});
