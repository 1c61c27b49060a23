// Both SNAP signature schemes, computed independently from the formulas: wrong keys, stale timestamps and replays are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { freePort } from './helpers/process.js';
import { startServer, type TestServer } from './helpers/server.js';
import { externalId, idPhone, rsaPair, serviceSignature, snapPartner, snapTimestamp, tokenSignature, type SnapClient } from './helpers/snap-client.js';

const WINDOW_MS = 300_000; // OTPD_SIGNATURE_WINDOW default
const clock = new ManualClock(Date.UTC(2026, 4, 5, 6, 0, 0));
let s: TestServer;
let c: SnapClient;
beforeAll(async () => {
  s = await startServer({ clock });
  c = await snapPartner(s, { now: () => clock.now() });
});
afterAll(async () => s.close());

/** Moves the clock on a second, so a fresh token request has a fresh X-TIMESTAMP. */
function tick(): void {
  clock.advance(1000);
}

describe('token request: SHA256withRSA over client_id|X-TIMESTAMP', () => {
  it('issues a token for a signature made with the registered key', async () => {
    tick();
    const r = await c.token();
    expect(r.body.responseCode).toBe('2007300');
  });

  it('refuses a signature made with another private key', async () => {
    tick();
    const r = await c.token({ signWith: rsaPair().privateKey });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ responseCode: '4017300', responseMessage: 'Unauthorized. Invalid Signature' });
  });

  it('refuses a signature over another client id, and an unknown client', async () => {
    tick();
    const ts = snapTimestamp(clock.now());
    const other = await c.token({ timestamp: ts, headers: { 'x-signature': tokenSignature(c.partner.keys.privateKey, 'someone-else', ts) } });
    expect(other.body.responseMessage).toBe('Unauthorized. Invalid Signature');
    const unknown = await c.token({ clientId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ responseCode: '4017300', responseMessage: 'Unauthorized. Unknown client' });
  });

  it('refuses a timestamp outside the window either way, and accepts one at its edge', async () => {
    tick();
    for (const skew of [-(WINDOW_MS + 1000), WINDOW_MS + 1000]) {
      const r = await c.token({ timestamp: snapTimestamp(clock.now() + skew) });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ responseCode: '4017300', responseMessage: 'Unauthorized. X-TIMESTAMP is outside the allowed window' });
    }
    expect((await c.token({ timestamp: snapTimestamp(clock.now() - WINDOW_MS) })).body.responseCode).toBe('2007300');
  });

  it('refuses a replayed token request (the same signed X-TIMESTAMP), while the first token keeps working', async () => {
    tick();
    const ts = snapTimestamp(clock.now());
    const first = await c.token({ timestamp: ts });
    expect(first.body.responseCode).toBe('2007300');
    const replay = await c.token({ timestamp: ts });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ responseCode: '4017300', responseMessage: 'Unauthorized. X-TIMESTAMP already used' });
    expect((await c.register(`after-replay-${Date.now()}`, idPhone())).body.responseCode).toBe('2000600');
  });

  it('accepts the same instant written in another offset (a different signed string), with milliseconds', async () => {
    tick();
    const utc = new Date(clock.now()).toISOString(); // yyyy-MM-ddTHH:mm:ss.SSSZ
    expect((await c.token({ timestamp: utc })).body.responseCode).toBe('2007300');
    expect((await c.token({ timestamp: snapTimestamp(clock.now(), -300) })).body.responseCode).toBe('2007300');
  });
});

describe('service call: HMAC-SHA512(client secret, METHOD:path:token:sha256(minified body):X-TIMESTAMP)', () => {
  it('accepts the signature in base64 and in lowercase hex', async () => {
    tick();
    await c.token();
    expect((await c.register('enc-b64', idPhone(), { encoding: 'base64' })).body.responseCode).toBe('2000600');
    expect((await c.register('enc-hex', idPhone(), { encoding: 'hex' })).body.responseCode).toBe('2000600');
  });

  it('refuses a signature made with another secret', async () => {
    const r = await c.register('wrong-key', idPhone(), { secret: 'another-partners-client-secret' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ responseCode: '4010600', responseMessage: 'Unauthorized. Invalid Signature' });
  });

  it('refuses a body changed after signing, and a signature made for another path', async () => {
    const ts = snapTimestamp(clock.now());
    const signed = JSON.stringify({ partnerReferenceNo: 'tamper', phoneNo: idPhone(), name: 'A' });
    const sig = serviceSignature(c.partner.clientSecret, 'POST', '/v1.0/registration-account-creation', c.accessToken, signed, ts);
    const tampered = await c.register('tamper', idPhone(), { timestamp: ts, headers: { 'x-signature': sig } });
    expect(tampered.body).toEqual({ responseCode: '4010600', responseMessage: 'Unauthorized. Invalid Signature' });
    const otherPath = await c.register('other-path', idPhone(), { signedPath: '/v1.0/otp-verification' });
    expect(otherPath.body.responseMessage).toBe('Unauthorized. Invalid Signature');
  });

  it('verifies the path relative to the mount point, and also accepts the path as seen on the wire', async () => {
    expect((await c.register('rel-path', idPhone(), { signedPath: '/v1.0/registration-account-creation' })).body.responseCode).toBe('2000600');
    expect((await c.register('wire-path', idPhone(), { signedPath: '/snap/v1.0/registration-account-creation' })).body.responseCode).toBe('2000600');
  });

  it('verifies against the minified body, whatever whitespace the client sent', async () => {
    const pretty = JSON.stringify({ partnerReferenceNo: 'pretty', phoneNo: idPhone(), name: 'Budi  Santoso' }, null, 4);
    const r = await c.call('/v1.0/registration-account-creation', undefined, { raw: pretty });
    expect(r.body.responseCode).toBe('2000600');
  });

  it('refuses a timestamp outside the window either way', async () => {
    for (const skew of [-(WINDOW_MS + 1000), WINDOW_MS + 1000]) {
      const r = await c.register(`stale-${skew}`, idPhone(), { timestamp: snapTimestamp(clock.now() + skew) });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ responseCode: '4010600', responseMessage: 'Unauthorized. X-TIMESTAMP is outside the allowed window' });
    }
  });

  it('refuses a replayed request: the same X-EXTERNAL-ID on the same day gets 409xx00', async () => {
    const id = externalId();
    const ts = snapTimestamp(clock.now());
    const first = await c.register('replay-1', idPhone(), { externalId: id, timestamp: ts });
    expect(first.body.responseCode).toBe('2000600');
    // The identical request again (a captured replay)…
    const replay = await c.register('replay-1', idPhone(), { externalId: id, timestamp: ts });
    expect(replay.status).toBe(409);
    expect(replay.body).toEqual({ responseCode: '4090600', responseMessage: 'Conflict [Duplicate X-EXTERNAL-ID]' });
    // …and the same X-EXTERNAL-ID on a fresh, validly signed request later that day.
    clock.advance(60_000);
    const again = await c.verify('replay-1', '123456', 'otpLinkage', { externalId: id });
    expect(again.body).toEqual({ responseCode: '4090400', responseMessage: 'Conflict [Duplicate X-EXTERNAL-ID]' });
  });

  it('lets an X-EXTERNAL-ID be used again on another day, but not to replay a request signed just before midnight', async () => {
    // 23:59:50 in Jakarta.
    const d = new Date(clock.now() + 7 * 3600_000);
    const beforeMidnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 23, 59, 50) - 7 * 3600_000;
    clock.set(beforeMidnight);
    await c.token();
    const id = externalId();
    const ts = snapTimestamp(clock.now());
    expect((await c.register('midnight-1', idPhone(), { externalId: id, timestamp: ts })).body.responseCode).toBe('2000600');
    clock.advance(15_000); // 00:00:05 the next day: the old timestamp is still inside the window
    expect((await c.register('midnight-1', idPhone(), { externalId: id, timestamp: ts })).body.responseCode).toBe('4090600');
    // A new request of the new day may reuse the id.
    expect((await c.register('midnight-2', idPhone(), { externalId: id })).body.responseCode).toBe('2000600');
  });

  it('refuses a token after its 900 s, and another partner\'s token', async () => {
    tick();
    await c.token();
    const other = await snapPartner(s, { now: () => clock.now() });
    const stolen = await c.register('other-token', idPhone(), { token: other.accessToken });
    expect(stolen.body).toEqual({ responseCode: '4010601', responseMessage: 'Invalid token (B2B)' });
    clock.advance(899_000);
    expect((await c.register('token-899', idPhone())).body.responseCode).toBe('2000600');
    clock.advance(2_000);
    expect((await c.register('token-901', idPhone())).body).toEqual({ responseCode: '4010601', responseMessage: 'Invalid token (B2B)' });
  });

  it('refuses a CHANNEL-ID other than the one issued', async () => {
    tick();
    await c.token();
    const r = await c.register('chan', idPhone(), { headers: { 'channel-id': 'zzzzz' } });
    expect(r.body).toEqual({ responseCode: '4010600', responseMessage: 'Unauthorized. Unknown CHANNEL-ID' });
  });
});

describe('mount points', () => {
  it('signs the path relative to a custom prefix, and to / when served on a port of its own', async () => {
    const port = await freePort();
    const s2 = await startServer({ env: { OTPD_DIALECTS: `snap=:${port}` } });
    const s3 = await startServer({ env: { OTPD_DIALECTS: 'snap=/finpay/linkage' } });
    try {
      const onPort = await snapPartner(s2, { base: `http://127.0.0.1:${port}` });
      const reg = await onPort.register('port-1', idPhone());
      expect(reg.body.responseCode).toBe('2000600');
      expect((await onPort.verify('port-1', reg.body.additionalInfo.otp)).body.responseCode).toBe('2000400');

      const prefixed = await snapPartner(s3, { base: `${s3.url}/finpay/linkage` });
      expect((await prefixed.register('prefix-1', idPhone())).body.responseCode).toBe('2000600');
      expect((await prefixed.register('prefix-2', idPhone(), { signedPath: '/finpay/linkage/v1.0/registration-account-creation' })).body.responseCode).toBe('2000600');
      expect((await prefixed.register('prefix-3', idPhone(), { signedPath: '/snap/v1.0/registration-account-creation' })).body.responseMessage).toBe('Unauthorized. Invalid Signature');
    } finally {
      await s2.close();
      await s3.close();
    }
  });
});
