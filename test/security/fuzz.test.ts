// Fuzz: random and hostile bodies, headers, query strings and content types on every native route and under every dialect: never a 5xx, the server stays up, no half-written record.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '', 'application/json; charset=latin1', '*/*'];

/** A body: JSON of any shape, near-miss JSON, huge strings, control characters, prototype keys. */
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.constantFrom('{"to":"+14155550100","channel":"sms","__proto__":{"admin":true}}', '{"code":', '[]', 'null', '{"to":"' + 'A'.repeat(5000) + '"}', '\u0000\u0001{}', '{"constructor":{"prototype":{"x":1}}}'),
  fc.record({
    to: fc.oneof(fc.string(), fc.constantFrom('+14155550100', '+19002345678', 'a@b.co', '+1', '')),
    channel: fc.oneof(fc.string(), fc.constantFrom('sms', 'email', 'voice', 'whatsapp', 'webhook')),
    code: fc.oneof(fc.string(), fc.integer()),
    code_length: fc.oneof(fc.integer(), fc.string()),
    ttl: fc.oneof(fc.integer(), fc.double()),
    metadata: fc.jsonValue(),
    payload: fc.jsonValue(),
    client_ip: fc.string(),
  }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
);

const NATIVE: Array<[string, string]> = [
  ['POST', '/v1/verifications'],
  ['GET', '/v1/verifications/ID'],
  ['POST', '/v1/verifications/ID/check'],
  ['POST', '/v1/verifications/check'],
  ['POST', '/v1/verifications/ID/resend'],
  ['POST', '/v1/verifications/ID/cancel'],
  ['POST', '/v1/tokens/verify'],
  ['POST', '/v1/templates'],
  ['GET', '/v1/templates/ID'],
  ['DELETE', '/v1/templates/ID'],
  ['POST', '/v1/webhooks'],
  ['GET', '/v1/webhooks/ID/deliveries'],
  ['DELETE', '/v1/webhooks/ID'],
];

describe('fuzz', () => {
  let s: TestServer;
  let realId: string;
  beforeAll(async () => {
    s = await startServer({ env: { OTPD_LOG_LEVEL: 'warn' } });
    realId = (await s.req('POST', '/v1/verifications', { to: '+14155554101', channel: 'sms' }, { key: s.sandboxKey })).body.id;
  });
  afterAll(async () => s.close());

  const send = (method: string, path: string, payload: string | undefined, headers: Record<string, string>) =>
    fetch(s.url + path, { method, headers, body: method === 'GET' ? undefined : payload });

  it('native API: every answer is a 2xx or a 4xx problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NATIVE),
        body,
        fc.constantFrom(...CONTENT_TYPES),
        fc.oneof(fc.constant(realId), fc.string({ maxLength: 80 }).map(encodeURIComponent), fc.constant('..%2F..%2Fetc')),
        fc.dictionary(fc.constantFrom('x-forwarded-for', 'idempotency-key', 'accept', 'x-a'), fc.string({ maxLength: 50 }).filter((v) => /^[\x20-\x7e]*$/.test(v))),
        fc.boolean(),
        async ([method, route], payload, type, id, extra, withKey) => {
          const headers: Record<string, string> = { ...extra, ...(type ? { 'content-type': type } : {}) };
          if (withKey) headers['authorization'] = `Bearer ${s.sandboxKey}`;
          const res = await send(method, route.replace('ID', id || 'x') + (Math.random() < 0.3 ? '?a=%ZZ&b[]=1' : ''), payload, headers);
          const text = await res.text();
          expect(res.status, `${method} ${route} ${type} → ${text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type')).toContain('application/problem+json');
            expect(JSON.parse(text).code).toEqual(expect.any(String));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every dialect: random paths, bodies and content types never get a 5xx', async () => {
    const prefixes = ['/twilio/v2/Services', '/twilio/v2/Services/VAx/Verifications', '/d7/verify/v1/otp/send-otp', '/d7/verify/v1/otp/verify-otp', '/getotp/v1/verifications', '/getotp/api/verify/', '/eko/tools/kyc/mobile/otp', '/eko/tools/kyc/mobile/otp/verify', '/paytm/aoa-pay-option-service/v2/otp/generate?mid=x&orderId=y', '/paytm/theia/api/v1/initiateTransaction', '/snap/v1.0/access-token/b2b', '/snap/v1.0/otp-verification'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...prefixes), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), body, fc.constantFrom(...CONTENT_TYPES), fc.string({ maxLength: 40 }), async (path, method, payload, type, suffix) => {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        headers['authorization'] = `Basic ${Buffer.from(`AC${'0'.repeat(32)}:${suffix}`).toString('base64')}`;
        const res = await send(method, path + (Math.random() < 0.3 ? encodeURIComponent(suffix) : ''), payload, headers);
        const text = await res.text();
        expect(res.status, `${method} ${path} → ${text.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });

  it('the server is still up, logged no 5xx, and no record is half-written', async () => {
    expect((await s.req('GET', '/healthz', undefined, { key: null })).status).toBe(200);
    expect(s.logs.text).not.toMatch(/"level":50/);
    const db = new Database(s.dbPath, { readonly: true });
    try {
      const orphans = db.prepare('SELECT count(*) AS n FROM verifications v WHERE NOT EXISTS (SELECT 1 FROM sends s WHERE s.verification_id = v.id)').get() as { n: number };
      const strays = db.prepare('SELECT count(*) AS n FROM sends s WHERE NOT EXISTS (SELECT 1 FROM verifications v WHERE v.id = s.verification_id)').get() as { n: number };
      expect(orphans.n).toBe(0);
      expect(strays.n).toBe(0);
    } finally {
      db.close();
    }
  });
});
