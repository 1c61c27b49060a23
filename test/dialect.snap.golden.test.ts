// Golden tests: every sample and response-code table of Finpay's linkage pages (seed page + vendors.md §1) through the snap dialect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { codeFromConsole, startServer, type TestServer } from './helpers/server.js';
import { idPhone, rsaPair, snapPartner, tokenSignature, type SnapClient, type SnapResponse } from './helpers/snap-client.js';

const clock = new ManualClock(Date.UTC(2026, 2, 2, 3, 0, 0));
let s: TestServer;
let c: SnapClient;
beforeAll(async () => {
  s = await startServer({ clock });
  c = await snapPartner(s, { now: () => clock.now() });
});
afterAll(async () => s.close());

/** A SNAP refusal: exactly {responseCode, responseMessage}, the code's first three digits being the HTTP status. */
function expectSnap(r: SnapResponse, status: number, code: string, message?: string): void {
  expect({ status: r.status, code: r.body?.responseCode }).toEqual({ status, code });
  expect(Object.keys(r.body).sort()).toEqual(['responseCode', 'responseMessage']);
  expect(r.body.responseCode.slice(0, 3)).toBe(String(status));
  if (message !== undefined) expect(r.body.responseMessage).toBe(message);
}

// The seed page's sample request, verbatim (pretty-printed, with the sample's "otpCreation" spelling).
const SEED_SAMPLE = `{
  "originalPartnerReferenceNo": "123456789876543431",
  "action": "otpCreation",
  "otp": "696969"
}`;

describe('B2B access token (service 73)', () => {
  it('answers the sample request {"grantType":"client_credentials"} with 2007300, a Bearer token and expiresIn 900', async () => {
    // A token request's X-TIMESTAMP is single-use (replay protection): the helper's own request used this second.
    clock.advance(1000);
    const r = await c.token();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['accessToken', 'expiresIn', 'responseCode', 'responseMessage', 'tokenType']);
    expect(r.body).toMatchObject({ responseCode: '2007300', responseMessage: 'Successful', tokenType: 'Bearer', expiresIn: 900 });
    expect(r.body.accessToken.length).toBeGreaterThanOrEqual(40);
    expect(r.body.accessToken.length).toBeLessThanOrEqual(3000);
  });

  it('answers a bad asymmetric signature exactly as Finnet documents: 401 {"responseCode":"4017300","responseMessage":"Unauthorized. Invalid Signature"}', async () => {
    const r = await c.token({ signWith: rsaPair().privateKey });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ responseCode: '4017300', responseMessage: 'Unauthorized. Invalid Signature' });
  });

  it('names a missing header and a bad grantType in SNAP\'s field errors', async () => {
    expectSnap(await c.token({ headers: { 'x-timestamp': null } }), 400, '4007302', 'Invalid mandatory field {X-TIMESTAMP}');
    expectSnap(await c.token({ raw: '{}' }), 400, '4007302', 'Invalid mandatory field {grantType}');
    expectSnap(await c.token({ raw: '{"grantType":"password"}' }), 400, '4007301', 'Invalid field format {grantType}');
  });
});

describe('Account Creation (service 06): sends the OTP to phoneNo', () => {
  it('answers {partnerReferenceNo, phoneNo, name} with 2000600 and the partnerReferenceNo; a sandbox credential gets the OTP in additionalInfo', async () => {
    const r = await c.register('78912343452347001', idPhone());
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ responseCode: '2000600', responseMessage: 'Successful', partnerReferenceNo: '78912343452347001', additionalInfo: { otp: expect.stringMatching(/^\d{6}$/) } });
  });

  it('delivers the OTP by SMS for a live credential, and says nothing of the code in the response', async () => {
    const live = await snapPartner(s, { sandbox: false, now: () => clock.now() });
    const phone = idPhone();
    const r = await live.register('live-ref-1', phone);
    expect(r.body).toEqual({ responseCode: '2000600', responseMessage: 'Successful', partnerReferenceNo: 'live-ref-1' });
    const v = await live.verify('live-ref-1', '000000');
    const id = (await s.otpd.store.findLatestForRecipient((await s.otpd.store.findAccountByName('default'))!.id, phone))!.id;
    const code = await codeFromConsole(s, id);
    const ok = await live.verify('live-ref-1', code);
    expect(v.body.responseCode).toBe(code === '000000' ? '2000400' : '4010400');
    expect(ok.body.responseCode).toBe(code === '000000' ? '4010400' : '2000400');
  });

  it('accepts an Indonesian number written 08…, 62… or +62… and answers phoneNo in E.164', async () => {
    const forms = ['081277770001', '6281277770002', '+62812-7777-0003'];
    const expected = ['+6281277770001', '+6281277770002', '+6281277770003'];
    for (let i = 0; i < forms.length; i++) {
      const reg = await c.register(`form-${i}`, forms[i]!);
      expect(reg.body.responseCode).toBe('2000600');
      const v = await c.verify(`form-${i}`, reg.body.additionalInfo.otp);
      expect(v.body).toMatchObject({ responseCode: '2000400', phoneNo: expected[i] });
    }
  });
});

describe('Verify OTP (service 04)', () => {
  it('accepts the seed page\'s sample request verbatim and answers with the field names of the table', async () => {
    const reg = await c.register('123456789876543431', '+6281977817919');
    expect(reg.body.responseCode).toBe('2000600');
    const otp: string = reg.body.additionalInfo.otp;

    // The sample's own OTP is (almost surely) not the one sent: it is refused as an invalid OTP.
    const sample = await c.call('/v1.0/otp-verification', undefined, { raw: SEED_SAMPLE });
    if (otp !== '696969') expectSnap(sample, 401, '4010400', 'Unauthorized. Invalid OTP');

    const r = await c.call('/v1.0/otp-verification', undefined, { raw: SEED_SAMPLE.replace('696969', otp) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      responseCode: '2000400',
      responseMessage: 'Successful',
      originalPartnerReferenceNo: '123456789876543431',
      linkageToken: expect.stringMatching(/^ver_[0-9A-Z]{26}$/),
      phoneNo: '+6281977817919',
      qParams: { action: 'otpLinkage' },
      additionalInfo: { clientId: c.partner.clientId, proofToken: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/) },
    });
    const tableFields = ['responseCode', 'responseMessage', 'originalPartnerReferenceNo', 'linkageToken', 'phoneNo', 'qParamsURL', 'qParams', 'additionalInfo'];
    for (const k of Object.keys(r.body)) expect(tableFields).toContain(k);
    expect(r.body.linkageToken.length).toBeLessThanOrEqual(204);
    expect(r.body.phoneNo.length).toBeLessThanOrEqual(16);
  });

  it('accepts the table\'s spelling action "otpLinkage" as well', async () => {
    const reg = await c.register('linkage-1', idPhone());
    const r = await c.verify('linkage-1', reg.body.additionalInfo.otp, 'otpLinkage');
    expect(r.body.responseCode).toBe('2000400');
  });

  it('reaches every refusal of the Verify OTP table in SNAP\'s shape', async () => {
    const reg = await c.register('table-1', idPhone());
    const otp: string = reg.body.additionalInfo.otp;
    const wrong = otp === '000000' ? '111111' : '000000';
    const path = '/v1.0/otp-verification';
    expectSnap(await c.call(path, undefined, { raw: '{"originalPartnerReferenceNo":' }), 400, '4000400');
    expectSnap(await c.verify('table-1', otp, 'otpPayment'), 400, '4000401', 'Invalid field format {action}');
    expectSnap(await c.call(path, { originalPartnerReferenceNo: 'table-1', action: 'otpLinkage' }), 400, '4000402', 'Invalid mandatory field {otp}');
    expectSnap(await c.verify('table-1', otp, 'otpLinkage', { token: 'not-a-token' }), 401, '4010401', 'Invalid token (B2B)');
    expectSnap(await c.verify('table-1', otp, 'otpLinkage', { secret: 'wrong-secret' }), 401, '4010400', 'Unauthorized. Invalid Signature');
    expectSnap(await c.verify('table-1', otp, 'otpLinkage', { headers: { 'x-partner-id': '00000000-0000-4000-8000-000000000000' } }), 404, '4040408', 'Invalid merchant');
    for (let i = 0; i < 4; i++) expectSnap(await c.verify('table-1', wrong), 401, '4010400', 'Unauthorized. Invalid OTP');
    expectSnap(await c.verify('table-1', wrong), 403, '4030404', 'Activity count limit exceeded');
    expectSnap(await c.verify('table-1', otp), 403, '4030404', 'Activity count limit exceeded');
  });

  it('answers an unknown originalPartnerReferenceNo with 4040401 Transaction not found', async () => {
    expectSnap(await c.verify('never-registered', '123456'), 404, '4040401', 'Transaction not found');
  });
});

describe('Account Creation response codes (vendors.md §1)', () => {
  const path = '/v1.0/registration-account-creation';
  it('reaches 4000600, 4000601, 4000602, 4010601, 4010600, 4040608 and 4090600', async () => {
    expectSnap(await c.call(path, undefined, { raw: '[1,2]' }), 400, '4000600');
    expectSnap(await c.register('codes-1', '12'), 400, '4000601', 'Invalid field format {phoneNo}');
    expectSnap(await c.call(path, { partnerReferenceNo: 'codes-1', phoneNo: idPhone() }), 400, '4000602', 'Invalid mandatory field {name}');
    expectSnap(await c.register('codes-1', idPhone(), { token: 'expired-or-unknown' }), 401, '4010601', 'Invalid token (B2B)');
    expectSnap(await c.register('codes-1', idPhone(), { secret: 'nope' }), 401, '4010600', 'Unauthorized. Invalid Signature');
    expectSnap(await c.register('codes-1', idPhone(), { headers: { 'x-partner-id': 'no-such-partner' } }), 404, '4040608', 'Invalid merchant');
    expect((await c.register('codes-dup', idPhone())).body.responseCode).toBe('2000600');
    expectSnap(await c.register('codes-dup', idPhone()), 409, '4090600', 'Conflict [Duplicate partnerReferenceNo]');
  });

  it('reaches 4030604 Activity count limit exceeded once the OTP was sent the most times allowed', async () => {
    const phone = idPhone();
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await c.register(`sends-${i}`, phone);
      expect(r.body.responseCode).toBe('2000600');
      codes.push(r.body.additionalInfo.otp);
      clock.advance(31_000);
      await c.token();
    }
    // Every send was the same code: a resend never makes a new one.
    expect(new Set(codes).size).toBe(1);
    expectSnap(await c.register('sends-5', phone), 403, '4030604', 'Activity count limit exceeded');
  });

  it('answers a second send inside the resend cooldown with 4290600 and Retry-After, leaving the reference free', async () => {
    const phone = idPhone();
    expect((await c.register('cool-1', phone)).body.responseCode).toBe('2000600');
    const r = await c.register('cool-2', phone);
    expectSnap(r, 429, '4290600', 'Too many requests');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(31_000);
    await c.token();
    expect((await c.register('cool-2', phone)).body.responseCode).toBe('2000600');
  });
});
