// Property: a proof token signed ahead on the sign-ahead thread is the token the event loop would have signed (same claims, key and checks), and whatever the thread cannot vouch for is signed inline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { Secrets } from '../src/core/code.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { KeyRing } from '../src/tokens/keys.js';
import { SignAhead } from '../src/tokens/sign-ahead.js';
import { SLOTS } from '../src/tokens/sign-ahead-layout.js';
import { TokenService } from '../src/tokens/tokens.js';
import { signAheadWanted } from '../src/main.js';
import { startServer, TEST_SECRET, waitFor, type TestServer } from './helpers/server.js';

const clock = new ManualClock();
const secrets = new Secrets(TEST_SECRET);

describe('sign-ahead, on its own (a real SQLite key ring)', () => {
  let dir: string;
  let store: SqliteStore;
  let ring: KeyRing;
  let ahead: SignAhead;
  let tokens: TokenService;
  let n = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otpd-sign-ahead-'));
    store = new SqliteStore(join(dir, 'otpd.sqlite'));
    await store.migrate();
    ring = await KeyRing.open(store, secrets, clock, 'ES256');
    ahead = new SignAhead(ring, 'otpd', 300);
    tokens = new TokenService(ring, clock, 'otpd', 300, ahead);
  });
  afterAll(async () => {
    await ahead.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A created verification as the engine announces it, and the claims its approval carries. */
  const created = (to = `+1415555${String(1000 + n++)}`, channel = 'sms') => {
    const id = `ver_test_${n++}`;
    const codeHash = secrets.hashCode(id, '123456');
    tokens.expect({ id, account: 'acc_1', to, channel, codeHash });
    return { id, codeHash, claims: { sub: to, verification_id: id, account: 'acc_1', channel } };
  };

  const verify = async (token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, createLocalJWKSet(ring.jwks), { algorithms: ['ES256'], issuer: 'otpd', currentDate: new Date(clock.now()) })).payload;

  it('signs a matching check on the thread: the token verifies against the JWKS with exactly the inline claims', async () => {
    const v = created();
    const h = tokens.prepare('acc_1', v.id, v.codeHash);
    expect(h).toBeTypeOf('number');
    await waitFor('the thread to sign', () => (ahead.settled(h!) ? true : undefined));
    const taken = ahead.counts.taken;
    const t = tokens.issue(v.claims, h);
    expect(ahead.counts.taken).toBe(taken + 1);

    const inline = tokens.issue(v.claims);
    const [a, b] = [await verify(t.token), await verify(inline.token)];
    const { jti: ja, ...restA } = a;
    const { jti: jb, ...restB } = b;
    expect(restA).toEqual(restB);
    expect(restA).toMatchObject({ ...v.claims, iss: 'otpd', iat: Math.floor(clock.now() / 1000), exp: Math.floor(clock.now() / 1000) + 300 });
    expect(ja).toMatch(/^[0-9a-f-]{36}$/);
    expect(ja).not.toBe(jb);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(decodeProtectedHeader(t.token)).toEqual(decodeProtectedHeader(inline.token));
    expect(t.expiresAt).toBe(inline.expiresAt);
  });

  it('signs nothing for a wrong code, and a check it cannot vouch for is signed inline with its own claims', async () => {
    const v = created();
    const wrong = tokens.prepare('acc_1', v.id, secrets.hashCode(v.id, '000000'))!;
    await waitFor('the thread to answer', () => (ahead.settled(wrong) ? true : undefined));
    const [taken, inline] = [ahead.counts.taken, ahead.counts.inline];
    const t = tokens.issue(v.claims, wrong);
    expect(ahead.counts).toEqual({ taken, inline: inline + 1 });
    expect((await verify(t.token)).sub).toBe(v.claims.sub);

    // Another account's check of the same id, and an id never announced, are refused by the thread too.
    const other = tokens.prepare('acc_2', v.id, v.codeHash)!;
    const unknown = tokens.prepare('acc_1', 'ver_never_created', v.codeHash)!;
    await waitFor('the thread to answer', () => (ahead.settled(other) && ahead.settled(unknown) ? true : undefined));
    expect(tokens.issue({ ...v.claims, account: 'acc_2' }, other).token).toBeTruthy();
    expect(ahead.counts.taken).toBe(taken);
    tokens.release(unknown);
  });

  it('signs inline when the recipient or channel changed since the create (a resend on another channel)', async () => {
    const v = created(undefined, 'sms');
    const h = tokens.prepare('acc_1', v.id, v.codeHash)!;
    await waitFor('the thread to sign', () => (ahead.settled(h) ? true : undefined));
    const inline = ahead.counts.inline;
    const t = tokens.issue({ ...v.claims, channel: 'voice' }, h);
    expect(ahead.counts.inline).toBe(inline + 1);
    expect((await verify(t.token)).channel).toBe('voice');
  });

  it('recycles its slots: thousands of released and wrong checks later, a matching one is still signed ahead', async () => {
    for (let i = 0; i < SLOTS * 3; i++) {
      const v = created();
      const h = tokens.prepare('acc_1', v.id, i % 2 ? v.codeHash : secrets.hashCode(v.id, '999999'));
      if (h !== undefined) tokens.release(h);
    }
    // The burst above outran the thread (main drops a request rather than wait for a slot), so the
    // ring may still be busy for a moment: a fresh verification or two later, one is signed ahead again.
    const taken = ahead.counts.taken;
    for (let tries = 0; tries < 50 && ahead.counts.taken === taken; tries++) {
      const v = created();
      const h = tokens.prepare('acc_1', v.id, v.codeHash);
      if (h === undefined) continue;
      await waitFor('the thread to answer', () => (ahead.settled(h) ? true : undefined));
      expect((await verify(tokens.issue(v.claims, h).token)).verification_id).toBe(v.id);
    }
    expect(ahead.counts.taken).toBe(taken + 1);
    // Nothing leaked: once the thread has caught up, every slot is free again.
    await waitFor('every slot to be free', () => (ahead.inUse() === 0 ? true : undefined));
  });

  it('gives an attempt that took over a second a fresh token, not the one signed when the check arrived', async () => {
    const v = created();
    const h = tokens.prepare('acc_1', v.id, v.codeHash)!;
    await waitFor('the thread to sign', () => (ahead.settled(h) ? true : undefined));
    const early = Math.floor(clock.now() / 1000);
    clock.advance(5_000);
    const inline = ahead.counts.inline;
    const t = tokens.issue(v.claims, h);
    expect(ahead.counts.inline).toBe(inline + 1);
    expect((await verify(t.token)).iat).toBe(early + 5);
  });

  it('signs with the new key after a rotation', async () => {
    const old = ring.current.kid;
    clock.advance(1_000);
    await ring.rotate();
    expect(ring.current.kid).not.toBe(old);
    const v = created();
    const h = tokens.prepare('acc_1', v.id, v.codeHash)!;
    await waitFor('the thread to sign', () => (ahead.settled(h) ? true : undefined));
    const taken = ahead.counts.taken;
    const t = tokens.issue(v.claims, h);
    expect(ahead.counts.taken).toBe(taken + 1);
    expect(decodeProtectedHeader(t.token).kid).toBe(ring.current.kid);
    expect((await verify(t.token)).sub).toBe(v.claims.sub);
  });

  it('leaves a recipient too long for a slot to the event loop', async () => {
    const v = created(`${'a'.repeat(600)}@example.com`, 'email');
    const h = tokens.prepare('acc_1', v.id, v.codeHash)!;
    await waitFor('the thread to answer', () => (ahead.settled(h) ? true : undefined));
    const inline = ahead.counts.inline;
    const t = tokens.issue(v.claims, h);
    expect(ahead.counts.inline).toBe(inline + 1);
    expect((await verify(t.token)).sub).toBe(v.claims.sub);
  });

  it('signs EdDSA tokens too, when the ring signs with EdDSA', async () => {
    const edDir = mkdtempSync(join(tmpdir(), 'otpd-sign-ahead-ed-'));
    const edStore = new SqliteStore(join(edDir, 'otpd.sqlite'));
    await edStore.migrate();
    const edRing = await KeyRing.open(edStore, secrets, clock, 'EdDSA');
    const edAhead = new SignAhead(edRing, 'otpd', 300);
    try {
      const service = new TokenService(edRing, clock, 'otpd', 300, edAhead);
      const id = 'ver_eddsa';
      const codeHash = secrets.hashCode(id, '123456');
      service.expect({ id, account: 'acc_1', to: '+14155550199', channel: 'sms', codeHash });
      const h = service.prepare('acc_1', id, codeHash)!;
      await waitFor('the thread to sign', () => (edAhead.settled(h) ? true : undefined));
      const t = service.issue({ sub: '+14155550199', verification_id: id, account: 'acc_1', channel: 'sms' }, h);
      expect(edAhead.counts.taken).toBe(1);
      expect(decodeProtectedHeader(t.token).alg).toBe('EdDSA');
      const { payload } = await jwtVerify(t.token, createLocalJWKSet(edRing.jwks), { algorithms: ['EdDSA'], issuer: 'otpd', currentDate: new Date(clock.now()) });
      expect(payload).toMatchObject({ sub: '+14155550199', verification_id: id });
    } finally {
      await edAhead.close();
      await edStore.close();
      rmSync(edDir, { recursive: true, force: true });
    }
  });

  it('once its thread has stopped, offers nothing and every token is signed inline', async () => {
    const spare = new SignAhead(ring, 'otpd', 300);
    const service = new TokenService(ring, clock, 'otpd', 300, spare);
    await spare.close();
    const v = { id: 'ver_after_close', codeHash: secrets.hashCode('ver_after_close', '123456') };
    service.expect({ id: v.id, account: 'acc_1', to: '+14155550100', channel: 'sms', codeHash: v.codeHash });
    expect(service.prepare('acc_1', v.id, v.codeHash)).toBeUndefined();
    const t = service.issue({ sub: '+14155550100', verification_id: v.id, account: 'acc_1', channel: 'sms' });
    expect((await verify(t.token)).sub).toBe('+14155550100');
  });
});

describe('sign-ahead in a running otpd', () => {
  let s: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    // 'on' rather than the default, so the thread runs on a one-CPU machine too.
    [s, off] = await Promise.all([startServer({ clock, env: { OTPD_SIGN_AHEAD: 'on' } }), startServer({ clock, env: { OTPD_SIGN_AHEAD: 'off' } })]);
  });
  afterAll(async () => Promise.all([s.close(), off.close()]));

  const pair = async (srv: TestServer, to: string, channel?: string): Promise<{ token: string; id: string }> => {
    const c = await srv.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: srv.sandboxKey });
    expect(c.status).toBe(201);
    if (channel) clock.advance(120_000);
    if (channel) expect((await srv.req('POST', `/v1/verifications/${c.body.id}/resend`, { channel }, { key: srv.sandboxKey })).status).toBe(200);
    const wrong = await srv.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code === '000000' ? '111111' : '000000' }, { key: srv.sandboxKey });
    expect(wrong.body).toMatchObject({ valid: false, reason: 'incorrect_code' });
    expect(wrong.body.token).toBeUndefined();
    const ok = await srv.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: srv.sandboxKey });
    expect(ok.body).toMatchObject({ valid: true, reason: 'approved' });
    return { token: ok.body.token as string, id: c.body.id as string };
  };

  it('answers every approving check with a token that verifies, each signed once, by the thread or inline', async () => {
    const ahead = s.otpd.signAhead!;
    const signed = () => ahead.counts.taken + ahead.counts.inline;
    const before = signed();
    // Whether the thread or the event loop gets to a token first is a race the thread wins most of the
    // time, but not always on a busy machine (the unit tests above pin the thread's side down). Either
    // way every approval's token is accounted for once, and verifies.
    for (let i = 0; i < 20; i++) {
      const { token, id } = await pair(s, `+1415555${String(2000 + i)}`);
      const r = await s.req('POST', '/v1/tokens/verify', { token });
      expect(r.body).toMatchObject({ valid: true, claims: { verification_id: id, channel: 'sms' } });
    }
    expect(signed()).toBe(before + 20);
  });

  it('gives a verification resent on another channel a token for that channel', async () => {
    const { token } = await pair(s, '+14155553000', 'voice');
    const r = await s.req('POST', '/v1/tokens/verify', { token });
    expect(r.body).toMatchObject({ valid: true, claims: { channel: 'voice', sub: '+14155553000' } });
  });

  it('runs by default on SQLite with two CPUs or more, not on PostgreSQL or one CPU, unless told', () => {
    const sqlite = 'sqlite:./data/otpd.sqlite';
    const pg = 'postgres://otpd@db.example/otpd';
    expect(signAheadWanted({ signAhead: 'auto', databaseUrl: sqlite }, 2)).toBe(true);
    expect(signAheadWanted({ signAhead: 'auto', databaseUrl: sqlite }, 1)).toBe(false);
    expect(signAheadWanted({ signAhead: 'auto', databaseUrl: pg }, 8)).toBe(false);
    expect(signAheadWanted({ signAhead: 'on', databaseUrl: pg }, 1)).toBe(true);
    expect(signAheadWanted({ signAhead: 'off', databaseUrl: sqlite }, 8)).toBe(false);
  });

  it('with OTPD_SIGN_AHEAD=off, runs no thread and signs every token itself', async () => {
    expect(off.otpd.signAhead).toBeUndefined();
    const { token, id } = await pair(off, '+14155554000');
    const r = await off.req('POST', '/v1/tokens/verify', { token });
    expect(r.body).toMatchObject({ valid: true, claims: { verification_id: id } });
  });
});
