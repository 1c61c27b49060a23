// Property: bad input of any kind gets a 4xx application/problem+json (never a 5xx) and never leaves a half-written verification.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

let s: TestServer;
/** Every 201 from POST /v1/verifications in this file; the table must hold exactly these. */
const createdIds = new Set<string>();

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

/** POST /v1/verifications, remembering successful creates. */
async function create(body: unknown, opts: Parameters<TestServer['req']>[3] = {}): Promise<TestResponse> {
  const r = await s.req('POST', '/v1/verifications', body, opts);
  if (r.status === 201) createdIds.add(r.body.id as string);
  return r;
}

/** Asserts an RFC 9457 problem with our stable code; `fields` must all be named in errors[].field. */
function expectProblem(r: TestResponse, status: number, code: string, fields: string[] = []): void {
  expect(r.status, r.text).toBe(status);
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({
    type: expect.stringMatching(/\S/),
    title: expect.stringMatching(/\S/),
    status,
    detail: expect.stringMatching(/\S/),
    code,
  });
  if (fields.length) {
    const named = (r.body.errors as Array<{ field: string }> | undefined)?.map((e) => e.field) ?? [];
    expect(named).toEqual(expect.arrayContaining(fields));
  }
}

const valid = { to: '+14155550700', channel: 'sms' };

describe('bad input', () => {
  it('malformed JSON body: 400 invalid_request', async () => {
    expectProblem(await create(undefined, { raw: '{"to": "+14155550700", "channel": ' }), 400, 'invalid_request');
    expectProblem(await create(undefined, { raw: '{"to": "+14155550700",}' }), 400, 'invalid_request');
  });

  it('wrong types name the bad field', async () => {
    expectProblem(await create({ ...valid, to: 123 }), 400, 'invalid_request', ['to']);
    expectProblem(await create({ ...valid, code_length: '6' }), 400, 'invalid_request', ['code_length']);
    expectProblem(await create({ ...valid, to: 123, code_length: '6' }), 400, 'invalid_request', ['to', 'code_length']);
    expectProblem(await create([valid]), 400, 'invalid_request');
  });

  it('an unknown field is refused and named', async () => {
    expectProblem(await create({ ...valid, colour: 'blue' }), 400, 'invalid_request', ['colour']);
  });

  it('a 1 MB body: 413 payload_too_large', async () => {
    const r = await create({ ...valid, reference: 'x'.repeat(1024 * 1024) });
    expectProblem(r, 413, 'payload_too_large');
  });

  it('a phone number without +: 400 invalid_recipient', async () => {
    expectProblem(await create({ ...valid, to: '14155550700' }), 400, 'invalid_recipient', ['to']);
  });

  it('an invalid phone number (+1234): 400 invalid_recipient', async () => {
    expectProblem(await create({ ...valid, to: '+1234' }), 400, 'invalid_recipient', ['to']);
  });

  it('code and code_length together: 400 invalid_request naming code_length', async () => {
    expectProblem(await create({ ...valid, code: '123456', code_length: 6 }), 400, 'invalid_request', ['code_length']);
  });

  it('a bad channel: 400 invalid_request naming channel', async () => {
    expectProblem(await create({ ...valid, channel: 'carrier-pigeon' }), 400, 'invalid_request', ['channel']);
  });

  it('the email channel with a phone number: 400 invalid_recipient', async () => {
    expectProblem(await create({ to: '+14155550700', channel: 'email' }), 400, 'invalid_recipient', ['to']);
  });

  it('a non-JSON content type: 415 unsupported_media_type', async () => {
    const form = await create(undefined, { raw: 'to=%2B14155550700&channel=sms', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(form, 415, 'unsupported_media_type');
    const xml = await create(undefined, { raw: '<to>+14155550700</to>', headers: { 'content-type': 'application/xml' } });
    expectProblem(xml, 415, 'unsupported_media_type');
  });

  it('a text/plain body (what fetch sends for a string body without a Content-Type): 415 unsupported_media_type', async () => {
    const text = await create(undefined, { raw: JSON.stringify(valid), headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expectProblem(text, 415, 'unsupported_media_type');
    const check = await s.req('POST', '/v1/verifications/ver_00000000000000000000000000/check', undefined, {
      raw: '{"code":"123456"}',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(check, 415, 'unsupported_media_type');
  });

  it('missing auth: 401 unauthorized with WWW-Authenticate', async () => {
    const r = await create(valid, { key: null });
    expectProblem(r, 401, 'unauthorized');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const get = await s.req('GET', '/v1/verifications/ver_00000000000000000000000000', undefined, { key: null });
    expectProblem(get, 401, 'unauthorized');
    expect(get.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('a wrong key: 401 unauthorized', async () => {
    const r = await create(valid, { key: 'otpd_live_this_key_does_not_exist_0123456789' });
    expectProblem(r, 401, 'unauthorized');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const basic = await create(valid, { key: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expectProblem(basic, 401, 'unauthorized');
  });

  it('an unknown verification id: 404 not_found', async () => {
    const id = 'ver_00000000000000000000000000';
    expectProblem(await s.req('GET', `/v1/verifications/${id}`), 404, 'not_found');
    expectProblem(await s.req('POST', `/v1/verifications/${id}/check`, { code: '123456' }), 404, 'not_found');
    expectProblem(await s.req('POST', `/v1/verifications/${id}/resend`), 404, 'not_found');
    expectProblem(await s.req('POST', `/v1/verifications/${id}/cancel`), 404, 'not_found');
  });

  it("another account's verification id: 404 not_found, not 403", async () => {
    await s.otpd.accounts.create('bad-input-other');
    const { key: otherKey } = await s.otpd.accounts.createKey('bad-input-other', { sandbox: true });
    const theirs = await create({ to: '+14155550701', channel: 'sms' }, { key: otherKey });
    expect(theirs.status).toBe(201);
    const id = theirs.body.id as string;

    for (const key of [s.liveKey, s.sandboxKey]) {
      expectProblem(await s.req('GET', `/v1/verifications/${id}`, undefined, { key }), 404, 'not_found');
      expectProblem(await s.req('POST', `/v1/verifications/${id}/check`, { code: theirs.body.code }, { key }), 404, 'not_found');
      expectProblem(await s.req('POST', `/v1/verifications/${id}/resend`, undefined, { key }), 404, 'not_found');
      expectProblem(await s.req('POST', `/v1/verifications/${id}/cancel`, undefined, { key }), 404, 'not_found');
    }
    // Untouched by all of that: still pending, no attempt spent, one send.
    const own = await s.req('GET', `/v1/verifications/${id}`, undefined, { key: otherKey });
    expect(own.body).toMatchObject({ status: 'pending', attempts_remaining: 5 });
    expect(own.body.sends).toHaveLength(1);
  });

  it('left no half-written verification behind: rows == successful creates', async () => {
    // One good create as a control, so the count is not trivially zero for this account.
    const ok = await create(valid);
    expect(ok.status).toBe(201);

    const db = new Database(s.dbPath, { readonly: true, fileMustExist: true });
    try {
      const ids = (db.prepare('SELECT id FROM verifications').all() as Array<{ id: string }>).map((r) => r.id);
      expect(ids.length).toBe(createdIds.size);
      expect(new Set(ids)).toEqual(createdIds);
      const sends = db.prepare('SELECT verification_id FROM sends').all() as Array<{ verification_id: string }>;
      expect(sends.length).toBe(createdIds.size);
      for (const x of sends) expect(createdIds.has(x.verification_id)).toBe(true);
    } finally {
      db.close();
    }
  });
});
