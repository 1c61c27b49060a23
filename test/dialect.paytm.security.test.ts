// Properties through the Paytm dialect: attempt cap, single approval under concurrency, no attempt reset by re-generating, never a 5xx, no secrets at rest or in logs.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { codeForMobile, generate, initiatePath, otpPath, paytmCredentials, postRaw, result, txnToken, verify, type PaytmCreds } from './helpers/paytm-client.js';
import { startServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let live: PaytmCreds;
const clock = new ManualClock(Date.UTC(2026, 3, 1));
let seq = 0;
const order = (): string => `SEC_${++seq}`;
const secrets: string[] = [];

beforeAll(async () => {
  s = await startServer({ clock });
  live = await paytmCredentials(s);
  secrets.push(live.key);
});
afterAll(async () => s.close());

const codeOf = (r: { body: any }): string => r.body?.body?.resultInfo?.resultCode;

describe('paytm: core security properties hold through the dialect', () => {
  it('attempt cap: five wrong OTPs close the verification; the right one is then refused with 531', async () => {
    const orderId = order();
    const m = '9000000001';
    const token = await txnToken(s, live, orderId);
    secrets.push(token);
    expect(codeOf(await generate(s, live, orderId, token, m))).toBe('0000');
    const code = await codeForMobile(s, m);
    secrets.push(code);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(codeOf(await verify(s, live, orderId, token, wrong)));
    expect(answers).toEqual(['403', '403', '403', '403', '403']);
    const right = await verify(s, live, orderId, token, code);
    expect(codeOf(right)).toBe('531');
    expect(right.body.body.authenticated).toBe(false);
  });

  it('single approval: of 10 concurrent verifies with the right OTP exactly one authenticates, the rest are 442', async () => {
    const orderId = order();
    const m = '9000000002';
    const token = await txnToken(s, live, orderId);
    secrets.push(token);
    expect(codeOf(await generate(s, live, orderId, token, m))).toBe('0000');
    const code = await codeForMobile(s, m);
    secrets.push(code);
    const all = await Promise.all(Array.from({ length: 10 }, () => verify(s, live, orderId, token, code)));
    const codes = all.map(codeOf).sort();
    expect(codes.filter((c) => c === '0000')).toHaveLength(1);
    expect(codes.filter((c) => c === '442')).toHaveLength(9);
    expect(all.filter((r) => r.body.body.authenticated === true)).toHaveLength(1);
  });

  it('no reset: generating again (same token, or a new order for the same number) keeps the attempts already spent', async () => {
    const m = '9000000003';
    const firstOrder = order();
    const token = await txnToken(s, live, firstOrder);
    expect(codeOf(await generate(s, live, firstOrder, token, m))).toBe('0000');
    const code = await codeForMobile(s, m);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) expect(codeOf(await verify(s, live, firstOrder, token, wrong))).toBe('403');

    clock.advance(30_000);
    expect(codeOf(await generate(s, live, firstOrder, token, m))).toBe('0000');
    expect(await codeForMobile(s, m)).toBe(code); // the same code is re-sent
    expect(codeOf(await verify(s, live, firstOrder, token, wrong))).toBe('403');

    // A fresh order and token for the same number lands on the same verification: its budget is not new.
    const secondOrder = order();
    const token2 = await txnToken(s, live, secondOrder);
    clock.advance(30_000);
    expect(codeOf(await generate(s, live, secondOrder, token2, m))).toBe('0000');
    for (let i = 0; i < 2; i++) expect(codeOf(await verify(s, live, secondOrder, token2, wrong))).toBe('403');
    expect(codeOf(await verify(s, live, secondOrder, token2, code))).toBe('531');
    expect(codeOf(await verify(s, live, firstOrder, token, code))).toBe('531');
  });
});

describe('paytm: hostile input', () => {
  it('never answers 5xx, and always answers in the {head, body.resultInfo} envelope', async () => {
    const orderId = order();
    const token = await txnToken(s, live, orderId);
    const paths = [initiatePath(live.mid, orderId), otpPath('generate', live.mid, orderId), otpPath('verify', live.mid, orderId), '/paytm/aoa-pay-option-service/v2/otp/generate?mid[]=1&orderId=%00'];
    const json = fc.jsonValue({ maxDepth: 3 });
    const envelopeish = fc.record(
      {
        head: fc.oneof(fc.record({ tokenType: fc.oneof(fc.constant('TXN_TOKEN'), fc.string()), token: fc.oneof(fc.constant(token), fc.string(), json), signature: fc.oneof(fc.string(), json), requestTimeStamp: fc.oneof(fc.string(), fc.integer(), json), channelId: fc.oneof(fc.constant('WEB'), json) }, { requiredKeys: [] }), json),
        body: fc.oneof(fc.record({ mid: json, orderId: json, mobileNumber: fc.oneof(fc.constant('9000000099'), json), otp: json, autoReadHash: json, rememberMe: json }, { requiredKeys: [] }), json),
      },
      { requiredKeys: [] },
    );
    const bodies = fc.oneof(envelopeish.map((v) => JSON.stringify(v)), json.map((v) => JSON.stringify(v)), fc.string(), fc.constant('{"head":{"token":"\\ud800"},"body":{}}'));
    const contentTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), bodies, contentTypes, async (path, text, ct) => {
        const r = await postRaw(s, path, text, { 'content-type': ct });
        expect(r.status).toBeLessThan(500);
        expect(typeof r.body?.head?.responseTimestamp).toBe('string');
        expect(result(r)).toMatchObject({ resultCode: expect.any(String), resultStatus: expect.stringMatching(/^[SF]$/), resultMsg: expect.any(String) });
      }),
      { numRuns: 300 },
    );
  });

  it('an oversized body is 413 in the envelope', async () => {
    const r = await postRaw(s, otpPath('verify', live.mid, order()), JSON.stringify({ head: {}, body: { otp: 'x'.repeat(70_000) } }));
    expect(r.status).toBe(413);
    expect(result(r)).toMatchObject({ resultCode: '2222', resultStatus: 'F' });
  });
});

describe('paytm: secrets', () => {
  it('the merchant key is sealed at rest, and no key, token, OTP or checksum reaches the logs', async () => {
    const db = readFileSync(s.dbPath).toString('latin1') + readFileSync(`${s.dbPath}-wal`, { flag: 'a+' }).toString('latin1');
    expect(db).not.toContain(live.key);
    expect(db).toContain(live.mid); // the MID is its own (public) lookup
    const logs = s.logs.text;
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      // A 6-digit OTP could occur inside a logged number by chance; logged as a value it would be quoted or delimited.
      if (/^\d{4,10}$/.test(secret)) expect(logs).not.toMatch(new RegExp(`["=: ]${secret}["\\s,}]`));
      else expect(logs).not.toContain(secret);
    }
    // Tokens are stored by digest only.
    for (const secret of secrets.filter((x) => x.length > 20)) expect(db).not.toContain(secret);
  });
});

describe('paytm: mounting', () => {
  it('serves under a custom prefix, and at / on a port of its own', async () => {
    const { freePort } = await import('./helpers/process.js');
    const port = await freePort();
    const t = await startServer({ env: { OTPD_DIALECTS: `paytm=:${port}` } });
    try {
      const c = await paytmCredentials(t, true);
      const { PaytmChecksum, orderBody } = await import('./helpers/paytm-client.js');
      const body = orderBody(c.mid, 'PORT_1');
      const signature = await PaytmChecksum.generateSignature(JSON.stringify(body), c.key);
      const res = await fetch(`http://127.0.0.1:${port}/theia/api/v1/initiateTransaction?mid=${c.mid}&orderId=PORT_1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body, head: { signature } }),
      });
      const j = (await res.json()) as any;
      expect(j.body.resultInfo.resultCode).toBe('0000');
      const onMain = await t.req('POST', '/paytm/theia/api/v1/initiateTransaction', {}, { key: null });
      expect(onMain.status).toBe(404);
    } finally {
      await t.close();
    }
    const u = await startServer({ env: { OTPD_DIALECTS: 'paytm=/pg' } });
    try {
      const c = await paytmCredentials(u, true);
      const token = await txnToken({ ...u, req: (m, p, b, o) => u.req(m, p.replace(/^\/paytm/, '/pg'), b, o) }, c, 'PFX_1');
      const r = await u.req('POST', `/pg/aoa-pay-option-service/v2/otp/generate?mid=${c.mid}&orderId=PFX_1`, { head: { tokenType: 'TXN_TOKEN', token }, body: { mobileNumber: '9000000100' } }, { key: null });
      expect(result(r).resultCode).toBe('0000');
    } finally {
      await u.close();
    }
  });
});
