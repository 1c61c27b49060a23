// Property: only a genuine, unexpired proof token of the caller's own account verifies; tampered, expired, unsigned, foreign-signed and foreign-account tokens are refused.
import { createLocalJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestServer } from './helpers/server.js';

let s: TestServer;
const clock = new ManualClock();
let seq = 0;
const phone = (): string => `+1415555${String(600 + seq++).padStart(4, '0')}`;

beforeAll(async () => {
  s = await startServer({ clock });
});
afterAll(async () => s.close());

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');
const decodePart = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Creates and approves a verification with `key`; returns the proof token and the recipient. */
async function approvedToken(key: string = s.sandboxKey): Promise<{ token: string; to: string; id: string }> {
  const created = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms' }, { key });
  expect(created.status).toBe(201);
  const checked = await s.req('POST', `/v1/verifications/${created.body.id}/check`, { code: created.body.code }, { key });
  expect(checked.body).toMatchObject({ valid: true, reason: 'approved' });
  expect(typeof checked.body.token).toBe('string');
  return { token: checked.body.token as string, to: created.body.to as string, id: created.body.id as string };
}

const verify = (token: string, key: string = s.liveKey) => s.req('POST', '/v1/tokens/verify', { token }, { key });

async function jwks(): Promise<{ keys: JWK[] }> {
  const r = await s.req('GET', '/.well-known/jwks.json', undefined, { key: null });
  expect(r.status).toBe(200);
  return r.body as { keys: JWK[] };
}

describe('proof token forgery', () => {
  it('a genuine token verifies with all its claims, online and offline against the JWKS', async () => {
    const { token, to, id } = await approvedToken();
    const account = await s.otpd.accounts.byName('default');

    const r = await verify(token);
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(true);
    expect(r.body.reason).toBeUndefined();
    const claims = r.body.claims as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: to, verification_id: id, account: account.id, channel: 'sms', iss: 'otpd' });
    expect(claims['jti']).toEqual(expect.any(String));
    expect(claims['iat']).toBe(Math.floor(clock.now() / 1000));
    expect(claims['exp']).toBe((claims['iat'] as number) + 300);

    const set = await jwks();
    expect(set.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of set.keys) expect(k).not.toHaveProperty('d'); // public keys only
    const offline = await jwtVerify(token, createLocalJWKSet(set), {
      algorithms: ['ES256'],
      issuer: 'otpd',
      currentDate: new Date(clock.now()),
    });
    expect(offline.protectedHeader).toMatchObject({ alg: 'ES256', kid: set.keys[0]!.kid, typ: 'JWT' });
    expect(offline.payload).toMatchObject({ sub: to, verification_id: id, account: account.id, channel: 'sms' });
  });

  it('refuses a token whose payload was tampered with: invalid_signature', async () => {
    const { token } = await approvedToken();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = decodePart(payload);
    const forged = `${header}.${b64url(JSON.stringify({ ...claims, sub: '+14155559999' }))}.${signature}`;
    const r = await verify(forged);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: false, reason: 'invalid_signature' });
  });

  it('refuses an expired token (300 s lifetime): expired', async () => {
    const { token } = await approvedToken();
    clock.advance(299_000);
    expect((await verify(token)).body.valid).toBe(true);
    clock.advance(2_000); // 301 s after issue
    const r = await verify(token);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: false, reason: 'expired' });
  });

  it('refuses an unsigned alg:none token: algorithm_not_allowed', async () => {
    const { token } = await approvedToken();
    const payload = token.split('.')[1]!;
    const none = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    const r = await verify(none);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: false, reason: 'algorithm_not_allowed' });
  });

  it("refuses a token signed by a foreign key under the server's kid: invalid_signature", async () => {
    const { token } = await approvedToken();
    const set = await jwks();
    const kid = set.keys[0]!.kid!;
    expect(decodeProtectedHeader(token).kid).toBe(kid);

    const { privateKey } = await generateKeyPair('ES256');
    const claims = decodePart(token.split('.')[1]!);
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .sign(privateKey);
    expect(decodeProtectedHeader(forged).kid).toBe(kid);
    const r = await verify(forged);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: false, reason: 'invalid_signature' });
  });

  it("refuses another account's genuine token: foreign_account", async () => {
    const other = await s.otpd.accounts.create('forgery-other');
    const { key: otherKey } = await s.otpd.accounts.createKey('forgery-other', { sandbox: true });
    const { token } = await approvedToken(otherKey);

    // Genuine for its own account...
    const own = await verify(token, otherKey);
    expect(own.body.valid).toBe(true);
    expect(own.body.claims.account).toBe(other.id);
    // ...but refused by the first account's keys, live and sandbox.
    for (const key of [s.liveKey, s.sandboxKey]) {
      const r = await verify(token, key);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ valid: false, reason: 'foreign_account' });
    }
  });
});

describe('EdDSA proof tokens (OTPD_TOKEN_ALG=EdDSA)', () => {
  it('are signed with Ed25519, verify online and offline, and a tampered one fails', async () => {
    const e = await startServer({ env: { OTPD_TOKEN_ALG: 'EdDSA' } });
    try {
      const c = await e.req('POST', '/v1/verifications', { to: '+14155556001', channel: 'sms' }, { key: e.sandboxKey });
      const { token } = (await e.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: e.sandboxKey })).body as { token: string };
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
      expect((await e.req('POST', '/v1/tokens/verify', { token }, { key: e.sandboxKey })).body).toMatchObject({ valid: true, claims: { sub: '+14155556001' } });
      const jwks = createLocalJWKSet((await e.req('GET', '/.well-known/jwks.json', undefined, { key: null })).body);
      expect((await jwtVerify(token, jwks, { issuer: 'otpd' })).payload['verification_id']).toBe(c.body.id);
      const [h, p, sig] = token.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: '+10000000000' })).toString('base64url')}.${sig}`;
      expect((await e.req('POST', '/v1/tokens/verify', { token: forged }, { key: e.sandboxKey })).body).toMatchObject({ valid: false, reason: 'invalid_signature' });
    } finally {
      await e.close();
    }
  });
});
