// The client example of docs/dialects/snap.md ("Moving from Finpay"), run as written against a real otpd.
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';
import { externalId, rsaPair } from './helpers/snap-client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

it('the documented client gets a token, sends the OTP and verifies it', async () => {
  const keys = rsaPair();
  const { display } = await s.credentials('snap', { sandbox: true, publicKeyPem: keys.publicKeyPem });
  const BASE = `${s.url}/snap`;
  const CLIENT_ID = display['Client ID (X-PARTNER-ID / X-CLIENT-KEY)']!;
  const CLIENT_SECRET = display['Client Secret']!;
  const CHANNEL_ID = display['Channel ID (CHANNEL-ID)']!;
  const PRIVATE_KEY = keys.privateKey;
  const EXTERNAL_ID = externalId;

  // --- as in the docs ---
  const ts = () => new Date(Date.now() + 7*3600e3).toISOString().slice(0, 19) + '+07:00';
  let t = ts(); const tok = await (await fetch(`${BASE}/v1.0/access-token/b2b`, { method: 'POST', headers: { 'content-type': 'application/json',
    'x-timestamp': t, 'x-client-key': CLIENT_ID, 'x-signature': crypto.sign('RSA-SHA256', Buffer.from(`${CLIENT_ID}|${t}`), PRIVATE_KEY).toString('base64') },
    body: JSON.stringify({ grantType: 'client_credentials' }) })).json();
  const call = (path: string, body: unknown) => { const b = JSON.stringify(body); t = ts();
    const digest = crypto.createHash('sha256').update(b).digest('hex');
    const sig = crypto.createHmac('sha512', CLIENT_SECRET).update(`POST:${path}:${tok.accessToken}:${digest}:${t}`).digest('base64');
    return fetch(BASE + path, { method: 'POST', body: b, headers: { 'content-type': 'application/json', authorization: `Bearer ${tok.accessToken}`,
      'x-timestamp': t, 'x-signature': sig, 'x-partner-id': CLIENT_ID, 'x-external-id': EXTERNAL_ID(), 'channel-id': CHANNEL_ID } }); };
  const created = await (await call('/v1.0/registration-account-creation', { partnerReferenceNo: 'ref-42', phoneNo: '+6281977817919', name: 'Budi' })).json();
  const verified = await (await call('/v1.0/otp-verification', { originalPartnerReferenceNo: 'ref-42', action: 'otpLinkage', otp: created.additionalInfo.otp })).json();
  // --- end ---

  expect(tok.responseCode).toBe('2007300');
  expect(created.responseCode).toBe('2000600');
  expect(verified).toMatchObject({ responseCode: '2000400', phoneNo: '+6281977817919' });
});
