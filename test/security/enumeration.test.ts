// Enumeration: unknown verification ids, other accounts' ids and unknown recipients are indistinguishable in status and body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestResponse } from '../helpers/server.js';

describe('no enumeration through the native API', () => {
  let s: TestServer;
  let otherKey: string;
  let foreignId: string;
  beforeAll(async () => {
    s = await startServer();
    await s.otpd.accounts.create('other');
    otherKey = (await s.otpd.accounts.createKey('other', { sandbox: true })).key;
    foreignId = (await s.req('POST', '/v1/verifications', { to: '+14155554001', channel: 'sms' }, { key: otherKey })).body.id;
  });
  afterAll(async () => s.close());

  /** Status, content type and body, with nothing that varies per request. */
  const shape = (r: TestResponse) => ({ status: r.status, type: r.headers.get('content-type'), body: r.body });

  it("answers an unknown id and another account's id identically, on every route", async () => {
    const unknown = 'ver_01KAAAAAAAAAAAAAAAAAAAAAAA';
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['POST', '/check', { code: '123456' }],
      ['POST', '/resend', undefined],
      ['POST', '/cancel', undefined],
    ] as const) {
      const a = await s.req(method, `/v1/verifications/${unknown}${suffix}`, body, { key: s.sandboxKey });
      const b = await s.req(method, `/v1/verifications/${foreignId}${suffix}`, body, { key: s.sandboxKey });
      expect(a.status).toBe(404);
      expect(shape(b)).toEqual(shape(a));
    }
  });

  it('answers a check for a recipient with no verification exactly like an unknown id', async () => {
    const byRecipient = await s.req('POST', '/v1/verifications/check', { to: '+14155554002', code: '123456' }, { key: s.sandboxKey });
    // The foreign account's recipient is unknown here too.
    const foreignRecipient = await s.req('POST', '/v1/verifications/check', { to: '+14155554001', code: '123456' }, { key: s.sandboxKey });
    const byId = await s.req('GET', '/v1/verifications/ver_01KAAAAAAAAAAAAAAAAAAAAAAA', undefined, { key: s.sandboxKey });
    expect(shape(byRecipient)).toEqual(shape(byId));
    expect(shape(foreignRecipient)).toEqual(shape(byId));
  });
});
