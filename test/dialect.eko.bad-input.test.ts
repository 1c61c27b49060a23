// Property: bad input to the Eko dialect gets Eko's envelope with a 4xx (never a 5xx, never problem+json), and writes nothing.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ekoClient, ekoCredentials, ekoEnvelopeKeys, formValue, type EkoClient } from './helpers/eko-client.js';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

const ENVELOPE = ['data', 'message', 'response_status_id', 'response_type_id', 'status'];

let s: TestServer;
let eko: EkoClient;
beforeAll(async () => {
  s = await startServer({ env: { OTPD_DIALECTS: 'eko', OTPD_BODY_LIMIT: '4096' } });
  eko = ekoClient(`${s.url}/eko`, await ekoCredentials(s));
});
afterAll(async () => s.close());

function expectEko(r: TestResponse, status: number, code = 1): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
  expect(r.body).toMatchObject({ status: code, response_status_id: code, response_type_id: code, message: expect.any(String) });
}

function verificationCount(): number {
  const db = new Database(s.dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM verifications').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('bad bodies', () => {
  it('names every missing field in invalid_params', async () => {
    const r = await eko.send({});
    expectEko(r, 400);
    expect(r.body.invalid_params).toEqual({ initiator_id: 'is required', mobile: 'is required' });
    const v = await eko.verify({ mobile: '9002336768' });
    expectEko(v, 400);
    expect(Object.keys(v.body.invalid_params).sort()).toEqual(['initiator_id', 'otp']);
  });

  it('answers Eko\'s 145 and 140 for a mobile that is not numeric or not 10 digits', async () => {
    expectEko(await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '98765abcde' }), 400, 145);
    expectEko(await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '+919876543210' }), 400, 145);
    const short = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '987654321' });
    expectEko(short, 400, 140);
    expect(short.body.message).toBe('Mobile number should be 10 digit');
  });

  it('refuses a 10-digit number that is not a valid Indian number', async () => {
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '5555555555' });
    expectEko(r, 400);
    expect(r.body.message).toMatch(/not a valid phone number/);
  });

  it('refuses fields of the wrong type, and bodies that are not objects', async () => {
    const r = await eko.send({ initiator_id: { $ne: 1 }, mobile: ['9002336768'] });
    expectEko(r, 400);
    expect(r.body.invalid_params).toEqual({ initiator_id: 'must be a string', mobile: 'must be a string' });
    expectEko(await eko.send([1, 2] as unknown as Record<string, unknown>), 400);
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp', undefined, { raw: '"text"', headers: { 'content-type': 'application/json' } }), 400);
    expectEko(await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: '9002336768', otp: '12 34' }), 400);
    expectEko(await eko.verify({ initiator_id: eko.creds.initiatorId, mobile: '9002336768', otp: -5 }), 400);
  });

  it('answers malformed JSON, an empty JSON body and no body at all in Eko\'s shape', async () => {
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp', undefined, { raw: '{"mobile": ', headers: { 'content-type': 'application/json' } }), 400);
    expectEko(await eko.call('PUT', '/tools/kyc/mobile/otp/verify', undefined, { raw: '', headers: { 'content-type': 'application/json' } }), 400);
    const none = await eko.call('POST', '/tools/kyc/mobile/otp');
    expectEko(none, 400);
    expect(none.body.invalid_params).toHaveProperty('mobile');
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp', undefined, { raw: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } }), 400);
  });

  it('answers an unsupported Content-Type with 415 and an oversized body with 413', async () => {
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp', undefined, { raw: 'mobile=9002336768', headers: { 'content-type': 'text/plain' } }), 415);
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp', undefined, { raw: '<x/>', headers: { 'content-type': 'application/xml' } }), 415);
    expectEko(await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9002336768', pad: 'x'.repeat(8000) }), 413);
  });

  it('bounds the length of every field', async () => {
    const r = await eko.send({ initiator_id: eko.creds.initiatorId, mobile: '9002336768', client_ref_id: 'r'.repeat(65), user_code: 'u'.repeat(65) });
    expectEko(r, 400);
    expect(Object.keys(r.body.invalid_params).sort()).toEqual(['client_ref_id', 'user_code']);
  });

  it('answers validate-token without its query parameters with 400', async () => {
    const r = await eko.call('GET', '/tools/kyc/mobile/otp/validate-token');
    expectEko(r, 400);
    expect(Object.keys(r.body.invalid_params).sort()).toEqual(['initiator_id', 'otp_verification_token']);
  });
});

describe('bad routes', () => {
  it('answers an unknown path with 404 and a known path with the wrong method with 405, in Eko\'s shape', async () => {
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp/send', {}), 404);
    expectEko(await eko.call('GET', '/ekoapi/v3/tools/kyc/mobile/otp'), 404);
    const wrong = await eko.call('GET', '/tools/kyc/mobile/otp');
    expectEko(wrong, 405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expectEko(await eko.call('POST', '/tools/kyc/mobile/otp/verify', {}), 405);
    expectEko(await eko.call('DELETE', '/tools/kyc/mobile/otp/validate-token'), 405);
  });

  it('leaves the native API untouched', async () => {
    const r = await s.req('GET', '/v1/verifications/ver_nope');
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('fuzzed input', () => {
  const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
  const body = fc.record(
    {
      initiator_id: fc.oneof(fc.constant('__self__'), value),
      mobile: fc.oneof(fc.stringMatching(/^[0-9]{8,12}$/), value),
      otp: fc.oneof(fc.stringMatching(/^[0-9]{4,8}$/), value),
      client_ref_id: value,
      otp_ref_id: value,
      intent_id: value,
      user_code: value,
    },
    { requiredKeys: [] },
  );

  it('never answers 5xx or anything but Eko\'s envelope, on any endpoint, JSON or form', async () => {
    const before = verificationCount();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('send', 'verify', 'validate'), fc.boolean(), async (b, which, form) => {
        const input = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v === '__self__' ? eko.creds.initiatorId : v]));
        const r =
          which === 'send'
            ? await eko.send(input, { form })
            : which === 'verify'
              ? await eko.verify(input, { form })
              : await eko.call('GET', '/tools/kyc/mobile/otp/validate-token', undefined, {
                  query: Object.fromEntries(Object.entries(input).map(([k, v]) => [k, formValue(v)])),
                });
        expect(r.status).toBeLessThan(500);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        expect(ekoEnvelopeKeys(r.body)).toEqual(ENVELOPE);
        expect(typeof r.body.status).toBe('number');
        if (which === 'send' && r.body.status === 0) sent++;
      }),
      { numRuns: 150 },
    );
    // Only well-formed sends created anything.
    expect((verificationCount()) - before).toBeLessThanOrEqual(sent);
  });
});
