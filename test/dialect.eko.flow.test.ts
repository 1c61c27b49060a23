// Golden tests from Eko's samples (seed page, eps docs): send, verify, validate-token; client_ref_id binding, single use, 302/303, sandbox OTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { ekoClient, ekoCredentials, ekoEnvelopeKeys, type EkoClient } from './helpers/eko-client.js';
import { codeFromConsole, startServer, type TestServer } from './helpers/server.js';

const ENVELOPE = ['data', 'message', 'response_status_id', 'response_type_id', 'status'];
const COOLDOWN_MS = 30_000;

/** Decodes a JWT's header and claims without checking it (what a client sees). */
function decodeJwt(t: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = t.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

let s: TestServer;
let eko: EkoClient;
let live: EkoClient;
const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
let n = 0;
/** A fresh valid Indian mobile per test, so cooldowns of one test do not touch another. */
const mobile = () => `98${String(10_000_000 + ++n).slice(-8)}`;

beforeAll(async () => {
  s = await startServer({ clock, env: { OTPD_DIALECTS: 'eko' } });
  eko = ekoClient(`${s.url}/eko`, await ekoCredentials(s, true), clock);
  live = ekoClient(`${s.url}/eko`, await ekoCredentials(s, false), clock);
});
afterAll(async () => s.close());

describe('credentials', () => {
  it('are printed with Eko\'s names and shapes', async () => {
    const { display } = await s.credentials('eko');
    expect(Object.keys(display)).toEqual(['developer_key', 'access_key', 'initiator_id']);
    expect(display['developer_key']).toMatch(/^[0-9a-f]{32}$/);
    expect(display['access_key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(display['initiator_id']).toMatch(/^[6-9]\d{9}$/);
    // Stored hashed / sealed, never in clear.
    const rows = JSON.stringify(await s.otpd.store.dialects.listCredentials());
    expect(rows).not.toContain(display['developer_key']);
    expect(rows).not.toContain(display['access_key']);
  });
});

describe('send (POST /tools/kyc/mobile/otp)', () => {
  it('answers in the shape of Eko\'s sample, with the OTP for a sandbox credential as in UAT', async () => {
    // Request of the eps doc sample: initiator_id, user_code, mobile, client_ref_id.
    const m = mobile();
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, user_code: '20810200', mobile: m, client_ref_id: '1720690511969403' });
    expect(r.status).toBe(200);
    expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
    expect(r.body).toMatchObject({
      status: 0,
      response_status_id: 0,
      response_type_id: 1600,
      message: 'OTP request has been sent',
      data: { user_code: '20810200', client_ref_id: '1720690511969403', initiator_id: eko.creds.initiatorId, mobile: m },
    });
    expect(r.body.data.otp_ref_id).toMatch(/^ver_[0-9A-Z]{26}$/);
    expect(r.body.data.tid).toBe(r.body.data.otp_ref_id);
    expect(r.body.data.otp).toMatch(/^\d{6}$/);
    expect(Number(r.body.data.otp_expiry_timestamp)).toBe(clock.now() + 600_000);
    // The verification is an ordinary otpd verification to +91<mobile>, named by the client's reference.
    const account = (await s.otpd.store.findAccountByName('default'))!;
    const v = await s.otpd.store.getVerification(account.id, r.body.data.otp_ref_id);
    expect(v).toMatchObject({ to: `+91${m}`, channel: 'sms', reference: '1720690511969403', sandbox: true });
  });

  it('delivers by SMS and never returns the OTP for a live credential', async () => {
    const m = mobile();
    const r = await live.send({ initiator_id: live.creds.initiatorId, mobile: m, client_ref_id: 'live-1' });
    expect(r.body).toMatchObject({ status: 0, response_type_id: 1600 });
    expect(r.body.data).not.toHaveProperty('otp');
    const code = await codeFromConsole(s, r.body.data.otp_ref_id);
    expect(s.consoleOut.text).toContain(`sms to +91${m}`);
    const v = await live.verify({ initiator_id: live.creds.initiatorId, mobile: m, otp: code, client_ref_id: 'live-1' });
    expect(v.body).toMatchObject({ status: 0, response_type_id: 1604 });
  });

  it('makes up a client_ref_id when the client sends none', async () => {
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: mobile() });
    expect(r.body.data.client_ref_id).toMatch(/^\d{16}$/);
    expect(r.body.data).not.toHaveProperty('user_code');
  });

  it('accepts the extra fields real clients send (csp_id, source, intent_id) and a form-encoded body', async () => {
    const m = mobile();
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, user_code: '20810200', source: 'API', csp_id: m, mobile: m, intent_id: '1', client_ref_id: 'form-1' }, { form: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 0, data: { client_ref_id: 'form-1', mobile: m } });
    const v = await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: r.body.data.otp, client_ref_id: 'form-1' }, { form: true });
    expect(v.body).toMatchObject({ status: 0, response_type_id: 1604 });
  });

  it('accepts numbers where Eko\'s docs type the fields as numbers (initiator_id, mobile, otp)', async () => {
    const m = mobile();
    const r = await eko.send({ initiator_id: Number(eko.creds.initiatorId), mobile: Number(m), client_ref_id: 'num-1' });
    expect(r.body).toMatchObject({ status: 0, data: { mobile: m, initiator_id: eko.creds.initiatorId } });
    const otp = r.body.data.otp as string;
    // A numeric OTP loses leading zeros in JSON, so only send it as a number when it has none.
    const asSent = otp.startsWith('0') ? otp : Number(otp);
    const v = await eko.verify({ initiator_id: Number(eko.creds.initiatorId), mobile: Number(m), otp: asSent, client_ref_id: 'num-1' });
    expect(v.body).toMatchObject({ status: 0, response_type_id: 1604 });
  });

  it('answers Eko\'s 319 when initiator_id is not the credential\'s', async () => {
    const r = await eko.send({ initiator_id: '9962981729', mobile: mobile() });
    expect(r.status).toBe(200);
    expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
    expect(r.body).toMatchObject({ status: 319, response_status_id: 319, response_type_id: 319, message: 'Invalid Sender/Initiator' });
  });

  it('refuses a client_ref_id that already names another mobile, before sending anything', async () => {
    const first = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: mobile(), client_ref_id: 'dup-1' });
    expect(first.body.status).toBe(0);
    const other = mobile();
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: other, client_ref_id: 'dup-1' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 1, invalid_params: { client_ref_id: expect.any(String) } });
    const account = (await s.otpd.store.findAccountByName('default'))!;
    expect(await s.otpd.store.findLatestForRecipient(account.id, `+91${other}`)).toBeNull();
  });
});

describe('verify (PUT /tools/kyc/mobile/otp/verify)', () => {
  it('answers like Eko\'s sample and the seed page, with a 5-minute HS256 JWT shaped like Eko\'s', async () => {
    const m = '9002336768';
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, user_code: '20810200', mobile: m, client_ref_id: 'seed-1' });
    // Body parameters of the seed page (initiator_id, otp, mobile), plus the client_ref_id of the send.
    const r = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m, client_ref_id: 'seed-1', user_code: '20810200' });
    expect(r.status).toBe(200);
    expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
    expect(r.body).toMatchObject({
      status: 0,
      response_status_id: 0,
      response_type_id: 1604,
      message: 'Validation successful',
      data: { client_ref_id: 'seed-1', initiator_id: eko.creds.initiatorId, mobile: m, tid: sent.body.data.otp_ref_id, user_code: '20810200', otp_ref_id: sent.body.data.otp_ref_id },
    });
    const { header, claims } = decodeJwt(r.body.data.otp_verification_token);
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(300);
    expect(claims['iat']).toBe(Math.floor(clock.now() / 1000));
    expect(JSON.parse(claims['payload'] as string)).toEqual({ token_id: expect.any(Number), mobile: m, intent_id: 1, client_ref_id: 'seed-1', tid: sent.body.data.otp_ref_id });
  });

  it('answers 302 for a wrong OTP and still accepts the right one afterwards', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'wrong-1' });
    const wrong = sent.body.data.otp === '000000' ? '111111' : '000000';
    const r = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: wrong, mobile: m, client_ref_id: 'wrong-1' });
    expect(r.status).toBe(200);
    expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
    expect(r.body).toMatchObject({ status: 302, response_status_id: 302, response_type_id: 302, message: 'Wrong OTP', data: { client_ref_id: 'wrong-1', mobile: m } });
    expect(r.body.data).not.toHaveProperty('otp_verification_token');
    const ok = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m, client_ref_id: 'wrong-1' });
    expect(ok.body).toMatchObject({ status: 0, response_type_id: 1604 });
  });

  it('answers 303 once the OTP has expired, even with the right OTP', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'exp-1' });
    clock.advance(600_000);
    const r = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m, client_ref_id: 'exp-1' });
    expect(r.body).toMatchObject({ status: 303, response_status_id: 303, response_type_id: 303, message: 'OTP expired' });
  });

  it('binds verify to the client_ref_id of the send: another reference finds no OTP and spends no attempt', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'bind-1' });
    // Eko's SDK injects a fresh random client_ref_id when the caller forgets to pass the one of the send.
    const r = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m, client_ref_id: '5b0f7c1e-6d3c-4a57-9d2b-0c8f2f9a1e44' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 1, message: 'OTP not found. Please make the OTP request again.' });
    // The same reference with another mobile finds nothing either.
    const other = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: mobile(), client_ref_id: 'bind-1' });
    expect(other.body).toMatchObject({ status: 1, message: /OTP not found/ });
    const account = (await s.otpd.store.findAccountByName('default'))!;
    expect((await s.otpd.store.getVerification(account.id, sent.body.data.otp_ref_id))!.attempts).toBe(0);
    const ok = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m, client_ref_id: 'bind-1' });
    expect(ok.body).toMatchObject({ status: 0, data: { client_ref_id: 'bind-1' } });
  });

  it('is single use: a second verify of the same OTP finds no OTP, whichever way it names it', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'once-1' });
    const body = { initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m };
    expect((await eko.verify({ ...body, client_ref_id: 'once-1' })).body).toMatchObject({ status: 0 });
    expect((await eko.verify({ ...body, client_ref_id: 'once-1' })).body).toMatchObject({ status: 1, message: /OTP not found/ });
    expect((await eko.verify(body)).body).toMatchObject({ status: 1, message: /OTP not found/ });
    expect((await eko.verify({ ...body, otp_ref_id: sent.body.data.otp_ref_id })).body).toMatchObject({ status: 1, message: /OTP not found/ });
  });

  it('accepts the older doc\'s otp_ref_id (with user_code) instead of client_ref_id', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, user_code: '20810200', mobile: m });
    const r = await eko.verify({
      initiator_id: eko.creds.initiatorId,
      user_code: '20810200',
      mobile: m,
      otp: sent.body.data.otp,
      otp_ref_id: sent.body.data.otp_ref_id,
      client_ref_id: 'sdk-random-ref-123',
    });
    expect(r.body).toMatchObject({ status: 0, response_type_id: 1604, data: { otp_ref_id: sent.body.data.otp_ref_id, user_code: '20810200' } });
    // An otp_ref_id of another mobile finds nothing.
    const again = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: mobile() });
    const cross = await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: m, otp: again.body.data.otp, otp_ref_id: again.body.data.otp_ref_id });
    expect(cross.body).toMatchObject({ status: 1, message: /OTP not found/ });
  });

  it('falls back to the mobile\'s latest OTP when neither reference is sent', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m });
    const r = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m });
    expect(r.body).toMatchObject({ status: 0, data: { tid: sent.body.data.otp_ref_id } });
    expect(r.body.data).not.toHaveProperty('client_ref_id');
    const none = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: '123456', mobile: mobile() });
    expect(none.body).toMatchObject({ status: 1, message: /OTP not found/ });
  });

  it('answers 319 for a foreign initiator_id without spending an attempt', async () => {
    const m = mobile();
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 'init-1' });
    const r = await eko.verify({ initiator_id: '9962981729', otp: '000000', mobile: m, client_ref_id: 'init-1' });
    expect(r.body).toMatchObject({ status: 319, message: 'Invalid Sender/Initiator' });
    const account = (await s.otpd.store.findAccountByName('default'))!;
    expect((await s.otpd.store.getVerification(account.id, sent.body.data.otp_ref_id))!.attempts).toBe(0);
  });
});

describe('validate-token (GET /tools/kyc/mobile/otp/validate-token)', () => {
  async function verified(m: string, ref: string): Promise<string> {
    const sent = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: ref });
    const v = await eko.verify({ initiator_id: eko.creds.initiatorId, otp: sent.body.data.otp, mobile: m, client_ref_id: ref });
    return v.body.data.otp_verification_token as string;
  }

  it('answers status 0 for a fresh token and echoes client_ref_id, token, initiator_id and the mobile', async () => {
    const m = mobile();
    const token = await verified(m, 'tok-1');
    const r = await eko.validate(token);
    expect(r.status).toBe(200);
    expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
    expect(r.body).toMatchObject({
      status: 0,
      response_status_id: 0,
      response_type_id: 1605,
      data: { client_ref_id: 'tok-1', otp_verification_token: token, initiator_id: eko.creds.initiatorId, mobile: m },
    });
    // Validating does not spend it: it is proof for 5 minutes.
    expect((await eko.validate(token)).body.status).toBe(0);
  });

  it('answers status 1 once the 5 minutes have passed', async () => {
    const token = await verified(mobile(), 'tok-2');
    clock.advance(299_000);
    expect((await eko.validate(token)).body.status).toBe(0);
    clock.advance(1_000);
    const r = await eko.validate(token);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 1, message: /expired/, data: { otp_verification_token: token } });
  });

  it('answers status 1 for a tampered token, a forged one, and one issued to another credential', async () => {
    const m = mobile();
    const token = await verified(m, 'tok-3');
    const [h, p, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.payload = claims.payload.replace(m, '9999999999');
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    expect((await eko.validate(tampered)).body).toMatchObject({ status: 1, message: /Invalid/ });
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    expect((await eko.validate(none)).body).toMatchObject({ status: 1, message: /Invalid/ });
    expect((await eko.validate('not-a-jwt')).body).toMatchObject({ status: 1 });
    // The live credential of the same account cannot vouch for the sandbox credential's token.
    expect((await live.validate(token)).body).toMatchObject({ status: 1, message: /Invalid/ });
  });

  it('answers 319 for another initiator_id', async () => {
    const token = await verified(mobile(), 'tok-4');
    const r = await eko.validate(token, { query: { initiator_id: '9962981729' } });
    expect(r.body).toMatchObject({ status: 319 });
  });
});

describe('resend', () => {
  it('is a second send: same OTP, same verification, after the cooldown', async () => {
    const m = mobile();
    const a = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 're-1' });
    clock.advance(COOLDOWN_MS);
    const b = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: m, client_ref_id: 're-1' });
    expect(b.body).toMatchObject({ status: 0, data: { otp_ref_id: a.body.data.otp_ref_id, otp: a.body.data.otp } });
  });
});
