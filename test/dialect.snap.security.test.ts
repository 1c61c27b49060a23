// The core's security properties hold through the snap dialect: attempt cap, single approval, no reset by resend, isolation, no leaks.
import { readFileSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startServer, type TestServer } from './helpers/server.js';
import { idPhone, SnapClient, snapPartner } from './helpers/snap-client.js';

const clock = new ManualClock(Date.UTC(2026, 6, 7, 2, 0, 0));
let s: TestServer;
let c: SnapClient;
beforeAll(async () => {
  s = await startServer({ clock });
  c = await snapPartner(s, { now: () => clock.now() });
});
afterAll(async () => s.close());

function wrongFor(otp: string): string {
  return otp === '000000' ? '111111' : '000000';
}

/** Advances past the resend cooldown and takes a fresh token (its X-TIMESTAMP must be new). */
async function later(ms: number): Promise<void> {
  clock.advance(ms);
  await c.token();
}

describe('attempt cap', () => {
  it('refuses the right OTP after five wrong ones', async () => {
    const otp: string = (await c.register('cap-1', idPhone())).body.additionalInfo.otp;
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await c.verify('cap-1', wrongFor(otp))).body.responseCode);
    expect(codes).toEqual(['4010400', '4010400', '4010400', '4010400', '4030404']);
    const right = await c.verify('cap-1', otp);
    expect(right.status).toBe(403);
    expect(right.body).toEqual({ responseCode: '4030404', responseMessage: 'Activity count limit exceeded' });
  });
});

describe('single approval', () => {
  it('of ten concurrent correct checks exactly one is approved; the rest are told the OTP was used', async () => {
    const otp: string = (await c.register('race-1', idPhone())).body.additionalInfo.otp;
    const results = await Promise.all(Array.from({ length: 10 }, () => c.verify('race-1', otp)));
    const codes = results.map((r) => r.body.responseCode);
    expect(codes.filter((x) => x === '2000400')).toHaveLength(1);
    for (const r of results.filter((x) => x.body.responseCode !== '2000400')) {
      expect(r.body).toEqual({ responseCode: '4010400', responseMessage: 'Unauthorized. OTP already used' });
    }
    expect(results.filter((r) => r.body.additionalInfo?.proofToken)).toHaveLength(1);
  });

  it('a second verify after approval is refused', async () => {
    const otp: string = (await c.register('once-1', idPhone())).body.additionalInfo.otp;
    expect((await c.verify('once-1', otp)).body.responseCode).toBe('2000400');
    expect((await c.verify('once-1', otp)).body).toEqual({ responseCode: '4010400', responseMessage: 'Unauthorized. OTP already used' });
  });
});

describe('no reset by resend', () => {
  it('a new Account Creation for the same phone re-sends the same OTP and keeps the attempts already spent', async () => {
    const phone = idPhone();
    const first: string = (await c.register('reset-a', phone)).body.additionalInfo.otp;
    for (let i = 0; i < 4; i++) expect((await c.verify('reset-a', wrongFor(first))).body.responseCode).toBe('4010400');
    await later(31_000);
    const again = await c.register('reset-b', phone);
    expect(again.body.responseCode).toBe('2000600');
    expect(again.body.additionalInfo.otp).toBe(first);
    // The fifth wrong attempt, through the new reference, is the last one.
    expect((await c.verify('reset-b', wrongFor(first))).body.responseCode).toBe('4030404');
    expect((await c.verify('reset-b', first)).body.responseCode).toBe('4030404');
    expect((await c.verify('reset-a', first)).body.responseCode).toBe('4030404');
  });
});

describe('expiry', () => {
  it('an OTP checked after its 10 minutes is refused as expired', async () => {
    const otp: string = (await c.register('exp-1', idPhone())).body.additionalInfo.otp;
    await later(601_000);
    expect((await c.verify('exp-1', otp)).body).toEqual({ responseCode: '4010400', responseMessage: 'Unauthorized. OTP expired' });
  });
});

describe('isolation', () => {
  it('a partner cannot verify, or collide with, another partner\'s partnerReferenceNo', async () => {
    const other = await snapPartner(s, { now: () => clock.now() });
    const otp: string = (await c.register('shared-ref', idPhone())).body.additionalInfo.otp;
    expect((await other.verify('shared-ref', otp)).body).toEqual({ responseCode: '4040401', responseMessage: 'Transaction not found' });
    // The same reference is free for the other partner…
    expect((await other.register('shared-ref', idPhone())).body.responseCode).toBe('2000600');
    // …and the first partner's OTP still verifies.
    expect((await c.verify('shared-ref', otp)).body.responseCode).toBe('2000400');
  });

  it('a token issued to a partner of another account is not accepted under this partner\'s X-PARTNER-ID', async () => {
    await s.otpd.accounts.ensure('other-account');
    const { display } = await s.credentials('snap', { account: 'other-account', publicKeyPem: c.partner.keys.publicKeyPem });
    const stranger = new SnapClient(
      c.base,
      { ...c.partner, clientId: display['Client ID (X-PARTNER-ID / X-CLIENT-KEY)']!, clientSecret: display['Client Secret']!, channelId: display['Channel ID (CHANNEL-ID)']! },
      () => clock.now(),
    );
    clock.advance(1000);
    expect((await stranger.token()).body.responseCode).toBe('2007300');
    // Signed correctly with our secret, but the bearer token is the stranger's.
    const r = await c.register('cross-acc', idPhone(), { token: stranger.accessToken });
    expect(r.body).toEqual({ responseCode: '4010601', responseMessage: 'Invalid token (B2B)' });
  });
});

describe('secrets', () => {
  it('never writes the client secret, an access token or a proof token to the logs, and keeps the secret sealed at rest', async () => {
    const otp: string = (await c.register('leak-1', idPhone())).body.additionalInfo.otp;
    const ok = await c.verify('leak-1', otp);
    expect(ok.body.responseCode).toBe('2000400');
    const logs = s.logs.text;
    expect(logs).not.toContain(c.partner.clientSecret);
    expect(logs).not.toContain(c.accessToken);
    expect(logs).not.toContain(ok.body.additionalInfo.proofToken);
    for (const f of [s.dbPath, `${s.dbPath}-wal`]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f);
      expect(bytes.includes(Buffer.from(c.partner.clientSecret))).toBe(false);
      expect(bytes.includes(Buffer.from(c.accessToken))).toBe(false);
    }
  });
});
