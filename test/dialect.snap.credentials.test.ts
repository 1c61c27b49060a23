// `otpd credentials create --dialect snap --public-key FILE`: what is printed, what is stored, and which keys are refused.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';
import { rsaPair, snapPartner } from './helpers/snap-client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

describe('issuing', () => {
  it('prints client id, client secret, channel id and the key fingerprint; stores the secret sealed and the key as SPKI', async () => {
    const keys = rsaPair();
    const { ids, display } = await s.credentials('snap', { publicKeyPem: keys.publicKeyPem });
    expect(Object.keys(display)).toEqual(['Client ID (X-PARTNER-ID / X-CLIENT-KEY)', 'Client Secret', 'Channel ID (CHANNEL-ID)', 'Partner Public Key (SHA-256 of SPKI)']);
    const clientId = display['Client ID (X-PARTNER-ID / X-CLIENT-KEY)']!;
    const secret = display['Client Secret']!;
    expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(display['Channel ID (CHANNEL-ID)']).toMatch(/^[a-z0-9]{5}$/);

    const stored = await s.otpd.store.dialects.findCredential('snap', clientId);
    expect(stored?.id).toBe(ids[0]);
    expect(stored?.secretHash).toBeNull();
    expect(stored?.secretSealed).not.toBeNull();
    expect(stored!.secretSealed!.includes(Buffer.from(secret))).toBe(false);
    expect(s.otpd.dialectCredentials.openSecret(stored!)).toBe(secret);
    expect(stored?.extra['publicKeyPem']).toBe(keys.publicKeyPem);
    expect(stored?.extra['channelId']).toBe(display['Channel ID (CHANNEL-ID)']);
  });

  it('accepts a PKCS#1 "RSA PUBLIC KEY" PEM and keeps it as SPKI; the partner can then get a token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    const c = await snapPartner(s, { keys: { privateKey, publicKeyPem: pkcs1 } });
    const stored = await s.otpd.store.dialects.findCredential('snap', c.partner.clientId);
    expect(stored?.extra['publicKeyPem']).toContain('BEGIN PUBLIC KEY');
    expect(c.accessToken).not.toBe('');
  });

  it('issues sandbox credentials whose creation response carries the OTP, and live ones whose does not', async () => {
    const sandbox = await snapPartner(s, { sandbox: true });
    const live = await snapPartner(s, { sandbox: false });
    expect((await sandbox.register('sb-1', '+6281300000001')).body.additionalInfo.otp).toMatch(/^\d{6}$/);
    expect((await live.register('lv-1', '+6281300000002')).body.additionalInfo).toBeUndefined();
  });
});

describe('refusals', () => {
  const refused: Array<[string, () => string | undefined, RegExp]> = [
    ['no key', () => undefined, /none was given/],
    ['not a key', () => '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n', /not a PEM public key/],
    ['a private key', () => rsaPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /private key/],
    ['an EC key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), /RSA/],
    ['a 1024-bit RSA key', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), /at least 2048/],
  ];
  for (const [label, pem, message] of refused) {
    it(`refuses ${label}, and stores nothing`, async () => {
      const before = (await s.otpd.store.dialects.listCredentials()).length;
      await expect(s.credentials('snap', { publicKeyPem: pem() })).rejects.toThrow(message);
      expect((await s.otpd.store.dialects.listCredentials()).length).toBe(before);
    });
  }
});
