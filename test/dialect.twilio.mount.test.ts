// Where the Twilio dialect is served: /twilio by default, a custom prefix, / on a port of its own, or not at all.
import { describe, expect, it } from 'vitest';
import { verificationIdOf } from '../src/dialects/twilio/ids.js';
import { freePort } from './helpers/process.js';
import { startServer } from './helpers/server.js';
import { codeFor, twilioCreds, twilioReq, twilioSdk } from './helpers/twilio-client.js';

describe('mounting', () => {
  it('serves at / on its own port (OTPD_DIALECTS=twilio=:PORT), for the SDK and raw clients alike', async () => {
    const port = await freePort();
    const s = await startServer({ env: { OTPD_DIALECTS: `twilio=:${port}` } });
    try {
      const base = `http://127.0.0.1:${port}`;
      const c = await twilioCreds(s);
      const client = twilioSdk(base, c.accountSid, c.authToken);
      const svc = await client.verify.v2.services.create({ friendlyName: 'Own Port' });
      expect(svc.url).toBe(`${base}/v2/Services/${svc.sid}`);
      const v = await client.verify.v2.services(svc.sid).verifications.create({ to: '+14155550301', channel: 'sms' });
      expect(v.url).toBe(`${base}/v2/Services/${svc.sid}/Verifications/${v.sid}`);
      const code = await codeFor(s, v.sid);
      expect((await client.verify.v2.services(svc.sid).verificationChecks.create({ to: '+14155550301', code })).status).toBe('approved');
      // Errors there are Twilio's too, paths relative to the mount.
      const miss = await twilioReq(base, 'GET', `/v2/Services/VA${'0'.repeat(32)}`, undefined, [c.accountSid, c.authToken]);
      expect(miss.body).toMatchObject({ code: 20404, message: `The requested resource /Services/VA${'0'.repeat(32)} was not found` });
      const unknown = await twilioReq(base, 'GET', '/v1/verifications', undefined, [c.accountSid, c.authToken]);
      expect(unknown.body).toMatchObject({ code: 20404, status: 404 });
      // And the main port does not serve it.
      expect((await fetch(`${s.url}/twilio/v2/Services/${svc.sid}`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('serves under a custom prefix (OTPD_DIALECTS=twilio=/verify-compat), which the url fields carry', async () => {
    const s = await startServer({ env: { OTPD_DIALECTS: 'twilio=/verify-compat' } });
    try {
      const c = await twilioCreds(s);
      const base = `${s.url}/verify-compat`;
      const client = twilioSdk(base, c.accountSid, c.authToken);
      const svc = await client.verify.v2.services.create({ friendlyName: 'Prefixed' });
      const v = await client.verify.v2.services(svc.sid).verifications.create({ to: '+14155550302', channel: 'sms' });
      expect(v.url).toBe(`${base}/v2/Services/${svc.sid}/Verifications/${v.sid}`);
      const miss = await twilioReq(base, 'GET', `/v2/Services/${svc.sid}/Verifications/VE${'0'.repeat(32)}`, undefined, [c.accountSid, c.authToken]);
      expect(miss.body.message).toBe(`The requested resource /Services/${svc.sid}/Verifications/VE${'0'.repeat(32)} was not found`);
      expect((await twilioReq(s.url, 'GET', `/twilio/v2/Services/${svc.sid}`, undefined, [c.accountSid, c.authToken])).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('is absent with OTPD_DIALECTS=none: /twilio answers the native 404', async () => {
    const s = await startServer({ env: { OTPD_DIALECTS: 'none' } });
    try {
      const c = await twilioCreds(s);
      const r = await twilioReq(s.url, 'POST', '/twilio/v2/Services', { FriendlyName: 'x' }, [c.accountSid, c.authToken]);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.code).toBe('not_found');
    } finally {
      await s.close();
    }
  });

  it('prints credentials in Twilio\'s vocabulary: Account SID + Auth Token, API Key SID + Secret', async () => {
    const s = await startServer();
    try {
      const issued = await s.credentials('twilio');
      expect(Object.keys(issued.display)).toEqual(['Account SID', 'Auth Token', 'API Key SID', 'API Key Secret']);
      expect(issued.display['Account SID']).toMatch(/^AC[0-9a-f]{32}$/);
      expect(issued.display['Auth Token']).toMatch(/^[0-9a-f]{32}$/);
      expect(issued.display['API Key SID']).toMatch(/^SK[0-9a-f]{32}$/);
      expect(issued.display['API Key Secret']).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(issued.ids).toHaveLength(2);
      const sandbox = await twilioCreds(s, { sandbox: true });
      // A sandbox credential works and delivers nothing.
      const base = `${s.url}/twilio`;
      const a: [string, string] = [sandbox.accountSid, sandbox.authToken];
      const va = (await twilioReq(base, 'POST', '/v2/Services', { FriendlyName: 'Sandbox' }, a)).body.sid;
      const v = await twilioReq(base, 'POST', `/v2/Services/${va}/Verifications`, { To: '+14155550303', Channel: 'sms' }, a);
      expect(v.status).toBe(201);
      const sends = await s.otpd.store.listSends(verificationIdOf(v.body.sid)!);
      expect(sends.map((x) => x.status)).toEqual(['sandbox']);
    } finally {
      await s.close();
    }
  });
});
