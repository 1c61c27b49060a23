// Acceptance: the real `twilio` SDK, with only its baseUrl and credentials changed, runs a whole Verify flow against otpd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';
import { codeFor, twilioCreds, twilioSdk, wrongCode, type TwilioCreds } from './helpers/twilio-client.js';

let s: TestServer;
let creds: TwilioCreds;
beforeAll(async () => {
  s = await startServer();
  creds = await twilioCreds(s);
});
afterAll(async () => s.close());

/** The RestException an SDK call rejects with. */
async function rejection(p: Promise<unknown>): Promise<{ status: number; code: number; message: string; moreInfo: string }> {
  const e = await p.then(
    () => {
      throw new Error('expected the SDK call to fail');
    },
    (err: unknown) => err,
  );
  return e as { status: number; code: number; message: string; moreInfo: string };
}

describe('twilio SDK against otpd', () => {
  it('create -> wrong check -> right check -> fetch -> cancel, with AccountSid:AuthToken', async () => {
    const client = twilioSdk(`${s.url}/twilio`, creds.accountSid, creds.authToken);
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme Shop' });
    expect(service.sid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(service.accountSid).toBe(creds.accountSid);
    expect(service.codeLength).toBe(6);
    const svc = client.verify.v2.services(service.sid);
    expect((await svc.fetch()).friendlyName).toBe('Acme Shop');

    const to = '+14155550111';
    const v = await svc.verifications.create({ to, channel: 'sms' });
    expect(v).toMatchObject({ serviceSid: service.sid, accountSid: creds.accountSid, to, channel: 'sms', status: 'pending', valid: false });
    expect(v.sid).toMatch(/^VE[0-9a-f]{32}$/);
    expect(v.dateCreated).toBeInstanceOf(Date);
    expect(v.sendCodeAttempts).toHaveLength(1);
    expect(v.url).toBe(`${s.url}/twilio/v2/Services/${service.sid}/Verifications/${v.sid}`);
    const code = await codeFor(s, v.sid);
    expect(s.consoleOut.text).toContain(`Your Acme Shop verification code is ${code}`);

    const wrong = await svc.verificationChecks.create({ to, code: wrongCode(code) });
    expect(wrong).toMatchObject({ sid: v.sid, status: 'pending', valid: false });

    // Still pending: a fetch shows it.
    expect(await svc.verifications(v.sid).fetch()).toMatchObject({ sid: v.sid, status: 'pending' });

    const right = await svc.verificationChecks.create({ verificationSid: v.sid, code });
    expect(right).toMatchObject({ sid: v.sid, serviceSid: service.sid, to, channel: 'sms', status: 'approved', valid: true });

    // Approved verifications are gone in Twilio's sense: fetch, check and cancel all answer 20404.
    const fetched = await rejection(svc.verifications(v.sid).fetch());
    expect(fetched).toMatchObject({ status: 404, code: 20404, moreInfo: 'https://www.twilio.com/docs/errors/20404' });
    expect(fetched.message).toBe(`The requested resource /Services/${service.sid}/Verifications/${v.sid} was not found`);
    expect(await rejection(svc.verificationChecks.create({ verificationSid: v.sid, code }))).toMatchObject({ status: 404, code: 20404 });
    expect(await rejection(svc.verifications(v.sid).update({ status: 'canceled' }))).toMatchObject({ status: 404, code: 20404 });
  });

  it('cancels a fresh pending verification, which then checks as not found', async () => {
    const client = twilioSdk(`${s.url}/twilio`, creds.accountSid, creds.authToken);
    const svc = client.verify.v2.services((await client.verify.v2.services.create({ friendlyName: 'Cancel Co' })).sid);
    const v = await svc.verifications.create({ to: '+14155550112', channel: 'sms' });
    const code = await codeFor(s, v.sid);
    const canceled = await svc.verifications(v.sid).update({ status: 'canceled' });
    expect(canceled).toMatchObject({ sid: v.sid, status: 'canceled', valid: false });
    expect(await rejection(svc.verificationChecks.create({ to: '+14155550112', code }))).toMatchObject({ status: 404, code: 20404 });
    expect(await rejection(svc.verifications(v.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('works the same with an API key (SK…:secret) and the accountSid option', async () => {
    const client = twilioSdk(`${s.url}/twilio`, creds.apiKeySid, creds.apiKeySecret, creds.accountSid);
    const service = await client.verify.v2.services.create({ friendlyName: 'Key User', codeLength: 8 });
    expect(service.accountSid).toBe(creds.accountSid);
    const svc = client.verify.v2.services(service.sid);
    const v = await svc.verifications.create({ to: 'user@example.com', channel: 'email' });
    expect(v).toMatchObject({ channel: 'email', to: 'user@example.com', accountSid: creds.accountSid });
    const code = await codeFor(s, v.sid);
    expect(code).toMatch(/^\d{8}$/);
    expect((await svc.verificationChecks.create({ to: 'user@example.com', code })).status).toBe('approved');
  });

  it('rejects wrong credentials with RestException 20003', async () => {
    const bad = twilioSdk(`${s.url}/twilio`, creds.accountSid, wrongCode(creds.authToken));
    expect(await rejection(bad.verify.v2.services.create({ friendlyName: 'x' }))).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
    const badKey = twilioSdk(`${s.url}/twilio`, creds.apiKeySid, creds.authToken, creds.accountSid);
    expect(await rejection(badKey.verify.v2.services.create({ friendlyName: 'x' }))).toMatchObject({ status: 401, code: 20003 });
  });

  it('updates and removes a Service', async () => {
    const client = twilioSdk(`${s.url}/twilio`, creds.accountSid, creds.authToken);
    const service = await client.verify.v2.services.create({ friendlyName: 'Before' });
    const updated = await client.verify.v2.services(service.sid).update({ friendlyName: 'After', codeLength: 4 });
    expect(updated).toMatchObject({ sid: service.sid, friendlyName: 'After', codeLength: 4 });
    expect(await client.verify.v2.services(service.sid).remove()).toBe(true);
    expect(await rejection(client.verify.v2.services(service.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
  });
});
