// Property: OTP generate/verify answer every documented Paytm result code in Paytm's envelope, bound to the TXN token's session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { TXN_TOKEN_TTL_MS } from '../src/dialects/paytm/sessions.js';
import { codeForMobile, generate, otpPath, paytmCredentials, result, txnToken, verify, type PaytmCreds } from './helpers/paytm-client.js';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

let s: TestServer;
let live: PaytmCreds;
let sandbox: PaytmCreds;
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let seq = 0;
const order = (): string => `ORD_${++seq}`;
// Distinct Indian mobile numbers, one per test, so the engine's one-verification-per-number rule does not couple tests.
let mob = 0;
const mobile = (): string => `98765${String(10_000 + ++mob).slice(-5)}`;

beforeAll(async () => {
  s = await startServer({ clock });
  live = await paytmCredentials(s);
  sandbox = await paytmCredentials(s, true);
});
afterAll(async () => s.close());

function expectResult(r: TestResponse, code: string, status: 'S' | 'F' = 'F', http = 200): void {
  expect(r.status).toBe(http);
  expect(r.headers.get('content-type')).toContain('application/json');
  expect(result(r)).toMatchObject({ resultCode: code, resultStatus: status, resultMsg: expect.any(String) });
  expect(r.body.head).toMatchObject({ responseTimestamp: String(clock.now()) });
}

const wrongOf = (code: string): string => (code === '000000' ? '111111' : '000000');

describe('paytm OTP generate and verify', () => {
  it('golden: generate with the documented head/body, then the seed page verify sample (sandbox OTP 888888)', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    const g = await s.req(
      'POST',
      otpPath('generate', sandbox.mid, orderId),
      { head: { requestTimeStamp: String(clock.now()), tokenType: 'TXN_TOKEN', token }, body: { mobileNumber: '7777777777', autoReadHash: 'FA+9qCX9VSu' } },
      { key: null },
    );
    expectResult(g, '0000', 'S');
    expect(g.body).toEqual({ head: { responseTimestamp: String(clock.now()), version: 'v1' }, body: { resultInfo: { resultStatus: 'S', resultCode: '0000', resultMsg: 'Success' } } });

    // The seed page's curl, byte for byte apart from mid, orderId and token.
    const v = await s.req('POST', otpPath('verify', sandbox.mid, orderId), undefined, {
      key: null,
      headers: { Authorization: 'Basic YW9hLWFjcXVpcmluZy1iaXo6WVdHNHh2MHN5WWhIZkM0MEVwckE5bGo0YlgyTFp0bE8=', 'Content-Type': 'application/json', Accept: 'application/json' },
      raw: `{"head": {"version": "v1","channelId":"WEB","token": "${token}","tokenType":"TXN_TOKEN"},"body": {"otp":"888888"}}`,
    });
    expectResult(v, '0000', 'S');
    expect(v.body.body).toEqual({ resultInfo: { resultStatus: 'S', resultCode: '0000', resultMsg: 'Success' }, authenticated: true, payOptionsInfo: {} });
  });

  it('live: the delivered OTP verifies; the SMS carries the Android auto-read hash when asked', async () => {
    const orderId = order();
    const m = mobile();
    const token = await txnToken(s, live, orderId);
    expectResult(await s.req('POST', otpPath('generate', live.mid, orderId), { head: { tokenType: 'TXN_TOKEN', token, channelId: 'APP' }, body: { mobileNumber: m, autoReadHash: 'FA+9qCX9VSu' } }, { key: null }), '0000', 'S');
    const line = await waitForLine(`to +91${m} `);
    expect(line).toMatch(/<#> (\d{6}) is your OTP/);
    const code = /<#> (\d{6})/.exec(line)![1]!;
    expect(s.consoleOut.text).toContain('FA+9qCX9VSu');
    expect(code).not.toBe('888888');
    const v = await verify(s, live, orderId, token, code);
    expectResult(v, '0000', 'S');
    expect(v.body.body.authenticated).toBe(true);
  });

  it('403 Invalid OTP, then 442 already used after approval', async () => {
    const orderId = order();
    const m = mobile();
    const token = await txnToken(s, live, orderId);
    expectResult(await generate(s, live, orderId, token, m), '0000', 'S');
    const code = await codeForMobile(s, m);
    const wrong = await verify(s, live, orderId, token, wrongOf(code));
    expectResult(wrong, '403');
    expect(wrong.body.body).toMatchObject({ resultInfo: { resultMsg: 'Invalid OTP entered' }, authenticated: false });
    expectResult(await verify(s, live, orderId, token, code), '0000', 'S');
    const used = await verify(s, live, orderId, token, code);
    expectResult(used, '442');
    expect(used.body.body).toMatchObject({ resultInfo: { resultMsg: 'Invalid OTP, already used OTP entered.' }, authenticated: false });
  });

  it('531: the OTP limit after the attempt cap, even for the right OTP', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    expectResult(await generate(s, sandbox, orderId, token, mobile()), '0000', 'S');
    for (let i = 0; i < 5; i++) expectResult(await verify(s, sandbox, orderId, token, '123456'), '403');
    const capped = await verify(s, sandbox, orderId, token, '888888');
    expectResult(capped, '531');
    expect(capped.body.body).toMatchObject({ resultInfo: { resultMsg: expect.stringContaining('reached OTP limit') }, authenticated: false });
  });

  it('531 with Retry-After: generate again too soon; and past the send cap', async () => {
    const orderId = order();
    const m = mobile();
    const token = await txnToken(s, sandbox, orderId);
    expectResult(await generate(s, sandbox, orderId, token, m), '0000', 'S');
    clock.advance(10_000);
    const soon = await generate(s, sandbox, orderId, token, m);
    expectResult(soon, '531');
    expect(soon.headers.get('retry-after')).toBe('20');
    expect(result(soon).resultMsg).toMatch(/wait 20 seconds/);
    for (let i = 2; i <= 5; i++) {
      clock.advance(30_000);
      expectResult(await generate(s, sandbox, orderId, token, m), '0000', 'S');
    }
    clock.advance(30_000);
    const capped = await generate(s, sandbox, orderId, token, m);
    expectResult(capped, '531');
    expect(result(capped).resultMsg).toMatch(/reached OTP limit/);
  });

  it('1006: the TXN token expires after 15 minutes; an unknown token reads the same', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    expectResult(await generate(s, sandbox, orderId, token, mobile()), '0000', 'S');
    clock.advance(TXN_TOKEN_TTL_MS + 1);
    const v = await verify(s, sandbox, orderId, token, '888888');
    expectResult(v, '1006');
    expect(result(v).resultMsg).toBe('Your Session has expired');
    expectResult(await generate(s, sandbox, orderId, token, mobile()), '1006');
    expectResult(await verify(s, sandbox, orderId, 'f'.repeat(32) + '1700000000000', '888888'), '1006');
  });

  it('1006: an OTP past its validity, inside a live session', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    expectResult(await generate(s, sandbox, orderId, token, mobile()), '0000', 'S');
    clock.advance(600_000 + 1_000); // the engine's default OTP validity is 10 minutes; the token lives 15
    expectResult(await verify(s, sandbox, orderId, token, '888888'), '1006');
  });

  it('2013 / 2014: query mid or orderId not the ones the token was issued for', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    const sibling = await paytmCredentials(s, true);
    expectResult(await generate(s, sibling, orderId, token, mobile()), '2013');
    expectResult(await verify(s, sibling, orderId, token, '888888'), '2013');
    expectResult(await generate(s, sandbox, 'ORD_other', token, mobile()), '2014');
    expectResult(await verify(s, sandbox, 'ORD_other', token, '888888'), '2014');
  });

  it('401: an unknown mid, and a requestTimeStamp outside the window (generate and verify)', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    const unknown = { mid: 'NOSUCH12345678901234', key: sandbox.key };
    expectResult(await generate(s, unknown, orderId, token, mobile()), '401');
    const stale = String(clock.now() - 301_000);
    expectResult(await generate(s, sandbox, orderId, token, mobile(), { requestTimeStamp: stale }), '401');
    expectResult(await verify(s, sandbox, orderId, token, '888888', { requestTimeStamp: stale }), '401');
    expectResult(await verify(s, sandbox, orderId, token, '888888', { requestTimeStamp: String(clock.now() + 301_000) }), '401');
    // Inside the window (epoch seconds) is accepted.
    expectResult(await generate(s, sandbox, orderId, token, mobile(), { requestTimeStamp: String(Math.floor(clock.now() / 1000) - 60) }), '0000', 'S');
  });

  it('432: verify before any OTP was generated for the session', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    const r = await verify(s, sandbox, orderId, token, '888888');
    expectResult(r, '432');
    expect(r.body.body).toMatchObject({ resultInfo: { resultMsg: 'Login Failed' }, authenticated: false });
  });

  it('generate: 1012 param missing, 1011 parameter illegal, 431 invalid mobile', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    const gen = (path: string, head: Record<string, unknown>, body: Record<string, unknown>) => s.req('POST', path, { head, body }, { key: null });
    const path = otpPath('generate', sandbox.mid, orderId);
    const head = { tokenType: 'TXN_TOKEN', token };
    expectResult(await gen(path, head, {}), '1012');
    expectResult(await gen(path, { tokenType: 'TXN_TOKEN' }, { mobileNumber: mobile() }), '1012');
    expectResult(await gen(path, { token }, { mobileNumber: mobile() }), '1012');
    expectResult(await gen(`/paytm/aoa-pay-option-service/v2/otp/generate?mid=${sandbox.mid}`, head, { mobileNumber: mobile() }), '1012');
    expectResult(await s.req('POST', path, { head }, { key: null }), '1012');
    expectResult(await gen(path, { ...head, tokenType: 'SSO' }, { mobileNumber: mobile() }), '1011');
    expectResult(await gen(path, { ...head, channelId: 'TV' }, { mobileNumber: mobile() }), '1011');
    expectResult(await gen(path, { ...head, requestTimeStamp: 'now' }, { mobileNumber: mobile() }), '1011');
    expectResult(await gen(path, head, { mobileNumber: mobile(), autoReadHash: 'short' }), '1011');
    expectResult(await gen(path, head, { mobileNumber: ['9876543210'] }), '1011');
    expectResult(await gen(`${path}&mid=${sandbox.mid}`, head, { mobileNumber: mobile() }), '1011');
    for (const bad of ['12345', '1234567890', '+919876543210', '98765 43210', '5876543210']) {
      const r = await gen(path, head, { mobileNumber: bad });
      expectResult(r, '431');
      expect(result(r).resultMsg).toBe('Invalid Mobile');
    }
  });

  it('verify: 1007 missing mandatory element, 1001 request parameters not valid', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    const path = otpPath('verify', sandbox.mid, orderId);
    const ver = (head: Record<string, unknown>, body: Record<string, unknown>) => s.req('POST', path, { head, body }, { key: null });
    const head = { tokenType: 'TXN_TOKEN', token };
    expectResult(await ver(head, {}), '1007');
    expectResult(await ver({ tokenType: 'TXN_TOKEN' }, { otp: '888888' }), '1007');
    expectResult(await s.req('POST', path, { body: { otp: '1' } }, { key: null }), '1007');
    expectResult(await ver({ ...head, tokenType: 'ACCESS' }, { otp: '888888' }), '1001');
    expectResult(await ver({ ...head, channelId: 'web' }, { otp: '888888' }), '1001');
    expectResult(await ver(head, { otp: { code: '888888' } }), '1001');
    expectResult(await ver(head, { otp: '888888', rememberMe: 'sometimes' }), '1001');
    expectResult(await ver(head, { otp: '1'.repeat(40) }), '1001');
  });

  it('2222: a body that is not JSON (400), or whose head/body are not objects', async () => {
    const path = otpPath('verify', sandbox.mid, order());
    const bad = await s.req('POST', path, undefined, { key: null, raw: '{"head":{', headers: { 'content-type': 'application/json' } });
    expectResult(bad, '2222', 'F', 400);
    expect(result(bad).resultMsg).toBe('Invalid request body');
    expectResult(await s.req('POST', path, { head: 'x', body: [] }, { key: null }), '2222');
    expectResult(await s.req('POST', otpPath('generate', sandbox.mid, order()), [1, 2], { key: null }), '2222', 'F', 400);
  });

  it('434: unknown paths and non-JSON media types', async () => {
    expectResult(await s.req('POST', '/paytm/aoa-pay-option-service/v2/otp/resend', {}, { key: null }), '434', 'F', 404);
    expectResult(await s.req('GET', otpPath('verify', sandbox.mid, order()), undefined, { key: null }), '434', 'F', 404);
    const text = await s.req('POST', otpPath('verify', sandbox.mid, order()), undefined, { key: null, raw: '{}', headers: { 'content-type': 'text/plain' } });
    expectResult(text, '434', 'F', 415);
  });

  it('an OTP number sent as a JSON number is read as its digits', async () => {
    const orderId = order();
    const token = await txnToken(s, sandbox, orderId);
    expectResult(await s.req('POST', otpPath('generate', sandbox.mid, orderId), { head: { tokenType: 'TXN_TOKEN', token }, body: { mobileNumber: Number(mobile()) } }, { key: null }), '0000', 'S');
    expectResult(await s.req('POST', otpPath('verify', sandbox.mid, orderId), { head: { tokenType: 'TXN_TOKEN', token }, body: { otp: 888888, rememberMe: true } }, { key: null }), '0000', 'S');
  });
});

describe('paytm without an SMS provider', () => {
  it('827: generate on a server with no SMS provider', async () => {
    const prod = await startServer({ env: { NODE_ENV: 'production' } });
    try {
      const c = await paytmCredentials(prod);
      const orderId = 'ORD_827';
      const token = await txnToken(prod, c, orderId);
      const r = await generate(prod, c, orderId, token, '9876543210');
      expect(r.status).toBe(200);
      expect(result(r)).toMatchObject({ resultCode: '827', resultStatus: 'F' });
    } finally {
      await prod.close();
    }
  });
});

async function waitForLine(fragment: string): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const line = s.consoleOut.text.split('[otpd console]').reverse().find((l) => l.includes(fragment));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no console delivery ${fragment}`);
}
