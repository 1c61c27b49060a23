// Service settings and Verification parameters that change the code or the message reach the delivered message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verificationIdOf } from '../src/dialects/twilio/ids.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';
import { codeFor, twilioCreds, twilioReq, type TwilioCreds } from './helpers/twilio-client.js';

let s: TestServer;
let c: TwilioCreds;
let base: string;
let auth: [string, string];
beforeAll(async () => {
  s = await startServer();
  c = await twilioCreds(s);
  base = `${s.url}/twilio`;
  auth = [c.accountSid, c.authToken];
});
afterAll(async () => s.close());

const post = (path: string, params: Record<string, string>) => twilioReq(base, 'POST', path, params, auth);
const newService = async (params: Record<string, string> = {}): Promise<string> => {
  const r = await post('/v2/Services', { FriendlyName: 'Settings', ...params });
  expect(r.status).toBe(201);
  return r.body.sid;
};
async function start(va: string, params: Record<string, string>): Promise<string> {
  const r = await post(`/v2/Services/${va}/Verifications`, params);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.sid;
}
/** The whole message the console provider delivered for a VE sid (it may span lines). */
function messageOf(sid: string): Promise<string> {
  const id = verificationIdOf(sid)!;
  return waitFor(`a delivery for ${id}`, () => {
    const text = s.consoleOut.text;
    const at = text.indexOf(`(${id}): `);
    if (at < 0) return undefined;
    const rest = text.slice(at + id.length + 4);
    const end = rest.indexOf('\n[otpd console]');
    return (end < 0 ? rest : rest.slice(0, end)).trimEnd();
  });
}

describe('Service settings', () => {
  it('CodeLength sets the code length; FriendlyName names the app', async () => {
    const va = await newService({ FriendlyName: 'Four Co', CodeLength: '4' });
    const ve = await start(va, { To: '+14155550401', Channel: 'sms' });
    const code = await codeFor(s, ve);
    expect(code).toMatch(/^\d{4}$/);
    expect(await messageOf(ve)).toContain(`Your Four Co verification code is ${code}`);
  });

  it('CustomFriendlyName overrides the Service name for one verification', async () => {
    const va = await newService({ FriendlyName: 'Base Name' });
    const ve = await start(va, { To: '+14155550402', Channel: 'sms', CustomFriendlyName: 'Promo App' });
    expect(await messageOf(ve)).toContain('Your Promo App verification code is');
  });

  it('CustomCodeEnabled allows CustomCode, which the check then accepts', async () => {
    const va = await newService({ CustomCodeEnabled: 'true' });
    const ve = await start(va, { To: '+14155550403', Channel: 'sms', CustomCode: 'AB12CD' });
    expect(await messageOf(ve)).toContain('AB12CD');
    const r = await post(`/v2/Services/${va}/VerificationCheck`, { To: '+14155550403', Code: 'AB12CD' });
    expect(r.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('SkipSmsToLandlines refuses SMS to a landline with 60205, but a call goes through', async () => {
    const va = await newService({ SkipSmsToLandlines: 'true' });
    const r = await post(`/v2/Services/${va}/Verifications`, { To: '+442079460001', Channel: 'sms' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 60205, status: 400, message: 'SMS is not supported by landline phone number' });
    expect((await post(`/v2/Services/${va}/Verifications`, { To: '+442079460001', Channel: 'call' })).body.channel).toBe('call');
    // Without the setting, the landline gets its SMS, and lookup reports the line type.
    const plain = await newService();
    const ok = await post(`/v2/Services/${plain}/Verifications`, { To: '+442079460002', Channel: 'sms' });
    expect(ok.body.lookup).toEqual({ carrier: { error_code: null, name: null, mobile_country_code: null, mobile_network_code: null, type: 'landline' } });
  });

  it('LookupEnabled=false leaves lookup empty', async () => {
    const va = await newService({ LookupEnabled: 'false' });
    const r = await post(`/v2/Services/${va}/Verifications`, { To: '+14155550404', Channel: 'sms' });
    expect(r.body.lookup).toEqual({});
  });

  it('DefaultTemplateSid (an otpd template as HJ + its UUID hex) shapes the message on its channel only', async () => {
    const t = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'en', body: 'ACME says: {code} is your code' });
    expect(t.status).toBe(201);
    const hj = `HJ${(t.body.id as string).replace(/-/g, '')}`;
    const va = await newService({ DefaultTemplateSid: hj });
    expect((await twilioReq(base, 'GET', `/v2/Services/${va}`, undefined, auth)).body.default_template_sid).toBe(hj);
    const sms = await start(va, { To: '+14155550405', Channel: 'sms' });
    expect(await messageOf(sms)).toMatch(/^ACME says: \d{6} is your code$/);
    const call = await start(va, { To: '+14155550406', Channel: 'call' });
    expect(await messageOf(call)).toContain('verification code is');
    // TemplateSid on one verification must fit its channel.
    const other = await newService();
    const r = await post(`/v2/Services/${other}/Verifications`, { To: 'a@example.com', Channel: 'email', TemplateSid: hj });
    expect(r.body).toMatchObject({ code: 60200, status: 400 });
    const ok = await start(other, { To: '+14155550407', Channel: 'sms', TemplateSid: hj });
    expect(await messageOf(ok)).toMatch(/^ACME says:/);
  });
});

describe('Verification parameters', () => {
  it('Locale picks the language (Twilio\'s pt_BR spelling too)', async () => {
    const va = await newService({ FriendlyName: 'Loja' });
    const es = await start(va, { To: '+14155550410', Channel: 'sms', Locale: 'es' });
    expect(await messageOf(es)).toMatch(/^Tu código de verificación de Loja es \d{6}/);
    const pt = await start(va, { To: '+14155550411', Channel: 'sms', Locale: 'pt_BR' });
    expect(await messageOf(pt)).toMatch(/^Seu código de verificação do Loja é \d{6}/);
  });

  it('CustomMessage replaces the text ({{code}} or {code})', async () => {
    const va = await newService();
    const ve = await start(va, { To: '+14155550412', Channel: 'sms', CustomMessage: 'Code {{code}} for door 4' });
    expect(await messageOf(ve)).toMatch(/^Code \d{6} for door 4$/);
  });

  it('AppHash adds the Android SMS Retriever prefix and hash line', async () => {
    const va = await newService({ FriendlyName: 'Droid' });
    const ve = await start(va, { To: '+14155550413', Channel: 'sms', AppHash: 'FA+9qCX9VSu' });
    expect(await messageOf(ve)).toMatch(/^<#> Your Droid verification code is \d{6}\. [^\n]*\nFA\+9qCX9VSu$/);
  });

  it('channels: call -> voice, whatsapp, email, and auto -> SMS for a phone number', async () => {
    const va = await newService();
    for (const [ch, to, shown, delivered] of [
      ['call', '+14155550414', 'call', 'voice'],
      ['whatsapp', '+14155550415', 'whatsapp', 'whatsapp'],
      ['email', 'x@example.com', 'email', 'email'],
      ['auto', '+14155550416', 'sms', 'sms'],
    ] as const) {
      const r = await post(`/v2/Services/${va}/Verifications`, { To: to, Channel: ch });
      expect(r.body.channel).toBe(shown);
      await messageOf(r.body.sid);
      expect(s.consoleOut.text).toContain(`${delivered} to ${to} (${verificationIdOf(r.body.sid)})`);
    }
  });

  it('Tags travel as the verification payload; ignored parameters are accepted', async () => {
    const va = await newService();
    const ve = await start(va, {
      To: '+14155550417',
      Channel: 'sms',
      Tags: JSON.stringify({ campaign: 'spring' }),
      RateLimits: JSON.stringify({ end_user_ip_address: '127.0.0.1' }),
      ChannelConfiguration: JSON.stringify({ from: 'a@b.co' }),
      DeviceIp: '203.0.113.9',
      RiskCheck: 'enable',
      SendDigits: '1234#',
      EnableSnaClientToken: 'false',
    });
    const native = await s.req('GET', `/v1/verifications/${verificationIdOf(ve)}`);
    expect(native.body.payload).toEqual({ tags: { campaign: 'spring' } });
  });
});
