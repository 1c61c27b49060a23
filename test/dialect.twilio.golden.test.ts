// Golden tests: each request and response sample of Twilio Verify v2 (vendors.md §6, §9 and Twilio's own SDK fixtures), replayed on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestServer } from './helpers/server.js';
import { codeFor, twilioCreds, twilioReq, wrongCode, type TwilioCreds } from './helpers/twilio-client.js';

// Twilio's samples are dated 2015-07-30T20:00:00Z; the server's clock starts there so dates compare exactly.
const T0 = Date.UTC(2015, 6, 30, 20, 0, 0);
const clock = new ManualClock(T0);
const VA = /^VA[0-9a-f]{32}$/;
const VE = /^VE[0-9a-f]{32}$/;
const VL = /^VL[0-9a-f]{32}$/;

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

const post = (path: string, params: Record<string, string>) => twilioReq(base, 'POST', path, params, auth);
const get = (path: string) => twilioReq(base, 'GET', path, undefined, auth);

async function service(params: Record<string, string> = {}): Promise<string> {
  const r = await post('/v2/Services', { FriendlyName: 'My Verify Service', ...params });
  expect(r.status).toBe(201);
  return r.body.sid as string;
}

/** Twilio's error body, exactly: {code, message, more_info, status}. */
function expectTwilioError(r: { status: number; body: any; headers: Headers }, status: number, code: number): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/json');
  expect(Object.keys(r.body).sort()).toEqual(['code', 'message', 'more_info', 'status']);
  expect(r.body).toMatchObject({ code, status, more_info: `https://www.twilio.com/docs/errors/${code}`, message: expect.any(String) });
}

describe('Service (POST /v2/Services, GET /v2/Services/{VA})', () => {
  it('answers Twilio\'s create_record / fetch_record sample shape', async () => {
    const r = await post('/v2/Services', { FriendlyName: 'name', CodeLength: '4', CustomCodeEnabled: 'true' });
    expect(r.status).toBe(201);
    const sid = r.body.sid;
    const url = `${base}/v2/Services/${sid}`;
    // Every key of Twilio's sample, with the sample's values where they are not ours to choose.
    expect(r.body).toMatchObject({
      sid: expect.stringMatching(VA),
      account_sid: c.accountSid,
      friendly_name: 'name',
      code_length: 4,
      lookup_enabled: true,
      psd2_enabled: false,
      skip_sms_to_landlines: false,
      dtmf_input_required: true,
      tts_name: null,
      mailer_sid: null,
      do_not_share_warning_enabled: false,
      custom_code_enabled: true,
      date_created: '2015-07-30T20:00:00Z',
      date_updated: '2015-07-30T20:00:00Z',
      url,
      links: {
        verification_checks: `${url}/VerificationCheck`,
        verifications: `${url}/Verifications`,
        rate_limits: `${url}/RateLimits`,
        messaging_configurations: `${url}/MessagingConfigurations`,
      },
    });
    const fetched = await get(`/v2/Services/${sid}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(r.body);
  });

  it('defaults CodeLength to 6 and bounds it to 4–10', async () => {
    expect((await post('/v2/Services', { FriendlyName: 'd' })).body.code_length).toBe(6);
    expect((await post('/v2/Services', { FriendlyName: 'd', CodeLength: '10' })).body.code_length).toBe(10);
    expectTwilioError(await post('/v2/Services', { FriendlyName: 'd', CodeLength: '3' }), 400, 60200);
    expectTwilioError(await post('/v2/Services', { FriendlyName: 'd', CodeLength: '11' }), 400, 60200);
    expectTwilioError(await post('/v2/Services', { FriendlyName: 'x'.repeat(33) }), 400, 60200);
  });
});

describe('Verification (POST …/Verifications To=…&Channel=sms)', () => {
  it('answers the create_verification sample, field for field', async () => {
    const va = await service();
    const r = await post(`/v2/Services/${va}/Verifications`, { To: '+15017122661', Channel: 'sms' });
    expect(r.status).toBe(201);
    const sid = r.body.sid;
    expect(r.body).toEqual({
      sid: expect.stringMatching(VE),
      service_sid: va,
      account_sid: c.accountSid,
      to: '+15017122661',
      channel: 'sms',
      status: 'pending',
      valid: false,
      date_created: '2015-07-30T20:00:00Z',
      date_updated: '2015-07-30T20:00:00Z',
      lookup: { carrier: { error_code: null, name: null, mobile_country_code: null, mobile_network_code: null, type: 'mobile' } },
      amount: null,
      payee: null,
      send_code_attempts: [{ attempt_sid: expect.stringMatching(VL), channel: 'sms', time: '2015-07-30T20:00:00Z' }],
      sna: null,
      url: `${base}/v2/Services/${va}/Verifications/${sid}`,
    });
    // fetch_verification: the same resource.
    const fetched = await get(`/v2/Services/${va}/Verifications/${sid}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(r.body);
  });

  it('answers the create_verification_email sample: carrier fields all null', async () => {
    const va = await service();
    const r = await post(`/v2/Services/${va}/Verifications`, { To: 'mail@email.com', Channel: 'email' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      to: 'mail@email.com',
      channel: 'email',
      status: 'pending',
      valid: false,
      lookup: { carrier: { error_code: null, name: null, mobile_country_code: null, mobile_network_code: null, type: null } },
      send_code_attempts: [{ channel: 'email' }],
    });
  });

  it('re-sends the same code within validity (same VE sid, one more send attempt), up to 5 sends, then 60203', async () => {
    const va = await service();
    const first = await post(`/v2/Services/${va}/Verifications`, { To: '+14155552345', Channel: 'sms' });
    const code = await codeFor(s, first.body.sid);
    for (let n = 2; n <= 5; n++) {
      clock.advance(31_000);
      const again = await post(`/v2/Services/${va}/Verifications`, { To: '+14155552345', Channel: 'sms' });
      expect(again.status).toBe(201);
      expect(again.body.sid).toBe(first.body.sid);
      expect(again.body.send_code_attempts).toHaveLength(n);
    }
    const lines = s.consoleOut.text.split('\n').filter((l) => l.includes('to +14155552345'));
    expect(lines.every((l) => l.includes(` is ${code}.`))).toBe(true);
    clock.advance(31_000);
    expectTwilioError(await post(`/v2/Services/${va}/Verifications`, { To: '+14155552345', Channel: 'sms' }), 429, 60203);
  });

  it('update_verification sample: Status=canceled answers the canceled resource', async () => {
    const va = await service();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550199', Channel: 'sms' });
    const r = await post(`/v2/Services/${va}/Verifications/${v.body.sid}`, { Status: 'canceled' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ sid: v.body.sid, status: 'canceled', valid: false, service_sid: va, account_sid: c.accountSid });
  });

  it('approve_verification sample: Status=approved on a CustomCode verification answers approved, valid', async () => {
    const va = await service({ CustomCodeEnabled: 'true' });
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550198', Channel: 'sms', CustomCode: '867530' });
    expect(v.status).toBe(201);
    const r = await post(`/v2/Services/${va}/Verifications/${v.body.sid}`, { Status: 'approved' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ sid: v.body.sid, status: 'approved', valid: true });
  });
});

describe('VerificationCheck (POST …/VerificationCheck Code=…&To=… or VerificationSid=…)', () => {
  it('wrong code -> 200 pending; right code -> 200 approved, in the verification_checks sample shape', async () => {
    const va = await service();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14159373912', Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    const wrong = await post(`/v2/Services/${va}/VerificationCheck`, { Code: wrongCode(code), To: '+14159373912' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ status: 'pending', valid: false });
    const right = await post(`/v2/Services/${va}/VerificationCheck`, { Code: code, To: '+14159373912' });
    expect(right.status).toBe(200);
    expect(right.body).toEqual({
      sid: v.body.sid,
      service_sid: va,
      account_sid: c.accountSid,
      to: '+14159373912',
      channel: 'sms',
      status: 'approved',
      valid: true,
      amount: null,
      payee: null,
      date_created: expect.stringMatching(/^2015-07-30T20:\d\d:\d\dZ$/),
      date_updated: expect.stringMatching(/^2015-07-30T20:\d\d:\d\dZ$/),
      sna_attempts_error_codes: [],
    });
    expect(right.body.date_created).toBe(v.body.date_created);
  });

  it('the PSD2 sample: To=%2B15017122661&Code=…&Payee=Acme+Inc.&Amount=%E2%82%AC39.99&VerificationSid=VE…', async () => {
    clock.advance(11 * 60_000); // the sample's number was used above; let that verification expire
    const va = await service({ Psd2Enabled: 'true', CodeLength: '4' });
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+15017122661', Channel: 'sms', Amount: '€39.99', Payee: 'Acme Inc.' });
    expect(v.body).toMatchObject({ amount: '€39.99', payee: 'Acme Inc.' });
    const code = await codeFor(s, v.body.sid);
    expect(code).toHaveLength(4);
    const raw = `To=%2B15017122661&Code=${code}&Payee=Acme+Inc.&Amount=%E2%82%AC39.99&VerificationSid=${v.body.sid}`;
    const r = await twilioReq(base, 'POST', `/v2/Services/${va}/VerificationCheck`, undefined, auth, { raw, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ to: '+15017122661', sid: v.body.sid, status: 'approved', valid: true, amount: '€39.99', payee: 'Acme Inc.', channel: 'sms' });
  });

  it('the email sample: To=recipient@foo.com&Code=…&VerificationSid=VE…', async () => {
    const va = await service();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: 'recipient@foo.com', Channel: 'email' });
    const code = await codeFor(s, v.body.sid);
    const r = await post(`/v2/Services/${va}/VerificationCheck`, { To: 'recipient@foo.com', Code: code, VerificationSid: v.body.sid });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ to: 'recipient@foo.com', channel: 'email', status: 'approved' });
  });

  it('after 5 wrong codes: 429 / 60202, even for the right code', async () => {
    const va = await service();
    const v = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550177', Channel: 'sms' });
    const code = await codeFor(s, v.body.sid);
    for (let i = 1; i <= 5; i++) {
      const r = await post(`/v2/Services/${va}/VerificationCheck`, { Code: wrongCode(code), VerificationSid: v.body.sid });
      expect(r.status).toBe(200);
      expect(r.body.status).toBe(i < 5 ? 'pending' : 'max_attempts_reached');
    }
    const after = await post(`/v2/Services/${va}/VerificationCheck`, { Code: code, VerificationSid: v.body.sid });
    expectTwilioError(after, 429, 60202);
    expect(after.body.message).toBe('Max check attempts reached');
    // The verification still reads, with Twilio's status for it.
    expect((await get(`/v2/Services/${va}/Verifications/${v.body.sid}`)).body.status).toBe('max_attempts_reached');
  });

  it('a check against an approved, expired or canceled verification: 404 / 20404', async () => {
    const va = await service();
    const approved = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550161', Channel: 'sms' });
    const code = await codeFor(s, approved.body.sid);
    expect((await post(`/v2/Services/${va}/VerificationCheck`, { Code: code, VerificationSid: approved.body.sid })).body.status).toBe('approved');
    const again = await post(`/v2/Services/${va}/VerificationCheck`, { Code: code, VerificationSid: approved.body.sid });
    expectTwilioError(again, 404, 20404);
    expect(again.body.message).toBe(`The requested resource /Services/${va}/VerificationCheck was not found`);

    const canceled = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550162', Channel: 'sms' });
    const c2 = await codeFor(s, canceled.body.sid);
    await post(`/v2/Services/${va}/Verifications/${canceled.body.sid}`, { Status: 'canceled' });
    expectTwilioError(await post(`/v2/Services/${va}/VerificationCheck`, { Code: c2, To: '+14155550162' }), 404, 20404);

    // Codes are valid 10 minutes.
    const expiring = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550163', Channel: 'sms' });
    const c3 = await codeFor(s, expiring.body.sid);
    clock.advance(10 * 60_000);
    expectTwilioError(await post(`/v2/Services/${va}/VerificationCheck`, { Code: c3, To: '+14155550163' }), 404, 20404);
    expectTwilioError(await get(`/v2/Services/${va}/Verifications/${expiring.body.sid}`), 404, 20404);
  });
});

describe('authentication (HTTP Basic: AccountSid:AuthToken or SK…:secret)', () => {
  it('accepts both pairs and answers 20003 with Twilio\'s body otherwise', async () => {
    expect((await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'a' }, [c.accountSid, c.authToken])).status).toBe(201);
    expect((await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'a' }, [c.apiKeySid, c.apiKeySecret])).status).toBe(201);
    const r = await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'a' }, [c.accountSid, c.apiKeySecret]);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      code: 20003,
      detail: 'Your AccountSid or AuthToken was incorrect.',
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic/);
  });
});
