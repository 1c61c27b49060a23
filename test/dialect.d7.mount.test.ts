// Where the D7 dialect is served: a configured prefix, / on a port of its own (paths unchanged), or not at all.
import { afterEach, describe, expect, it } from 'vitest';
import { d7Code, d7For } from './helpers/d7-client.js';
import { freePort } from './helpers/process.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('D7 dialect mounting', () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('serves under a configured prefix, and not under the default one', async () => {
    s = await startServer({ env: { OTPD_DIALECTS: 'd7=/direct7' } });
    const d7 = await d7For(s, { base: `${s.url}/direct7` });
    const sent = await d7.sendOtp({ recipient: '+971509756001', content: 'Code {}' });
    expect(sent.status).toBe(200);
    expect((await d7.verifyOtp(sent.body.otp_id, await d7Code(s, sent.body.otp_id, 'Code {}'))).body).toEqual({ status: 'APPROVED' });
    const old = await fetch(`${s.url}/d7/verify/v1/report/${sent.body.otp_id}`, { headers: { authorization: `Bearer ${d7.token}` } });
    expect(old.status).toBe(404);
  });

  it('serves D7 paths at / on a port of its own, where a client with D7\'s fixed paths only changes the host', async () => {
    const port = await freePort();
    s = await startServer({ env: { OTPD_DIALECTS: `d7=:${port}` } });
    const d7 = await d7For(s, { base: `http://127.0.0.1:${port}` });
    const sent = await d7.sendOtp({ recipient: '+971509756002', content: 'Code {}' });
    expect(sent.status).toBe(200);
    expect((await d7.report(sent.body.otp_id)).body).toEqual({ status: 'OPEN' });
    const unknown = await d7.call('GET', '/v1/verifications');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Not Found' });
  });

  it('is absent when switched off', async () => {
    s = await startServer({ env: { OTPD_DIALECTS: 'none' } });
    const res = await fetch(`${s.url}/d7/verify/v1/report/8d963dbf-d655-4fe6-9157-48885a036050`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
