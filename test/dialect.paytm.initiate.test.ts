// Property: Initiate Transaction issues a TXN token only for a request checksummed with the MID's merchant key, fresh, and not seen before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { ORDER_MEMORY_MS, TXN_TOKEN_TTL_MS } from '../src/dialects/paytm/sessions.js';
import { generate, initiate, initiatePath, orderBody, PaytmChecksum, paytmCredentials, postRaw, result, type PaytmCreds } from './helpers/paytm-client.js';
import { startServer, type TestResponse, type TestServer } from './helpers/server.js';

let s: TestServer;
let c: PaytmCreds;
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let n = 0;
const nextOrder = (): string => `ORDERID_${Date.now()}_${++n}`;

beforeAll(async () => {
  s = await startServer({ clock });
  c = await paytmCredentials(s);
});
afterAll(async () => s.close());

function expectResult(r: TestResponse, code: string, status: 'S' | 'F' | 'U' = 'F', http = 200): void {
  expect(r.status).toBe(http);
  expect(r.headers.get('content-type')).toContain('application/json');
  expect(result(r)).toMatchObject({ resultCode: code, resultStatus: status, resultMsg: expect.any(String) });
  expect(r.body.head.responseTimestamp).toBe(String(clock.now()));
}

describe('paytm initiateTransaction', () => {
  it('golden: the documented JS Checkout request, signed with paytmchecksum, gets a signed txnToken', async () => {
    const orderId = 'ORDERID_98765';
    const body = orderBody(c.mid, orderId);
    const signature = await PaytmChecksum.generateSignature(JSON.stringify(body), c.key);
    // Exactly the documented shape: {"body":{...},"head":{"signature":"..."}}.
    const r = await postRaw(s, initiatePath(c.mid, orderId), JSON.stringify({ body, head: { signature } }));
    expectResult(r, '0000', 'S');
    expect(r.body.body).toEqual({
      resultInfo: { resultStatus: 'S', resultCode: '0000', resultMsg: 'Success' },
      txnToken: expect.stringMatching(/^[0-9a-f]{32}\d{13}$/),
      isPromoCodeValid: false,
      authenticated: false,
    });
    expect(r.body.head.version).toBe('v1');
    // Paytm signs its response body with the merchant key; a merchant can check it with paytmchecksum.
    expect(PaytmChecksum.verifySignature(JSON.stringify(r.body.body), c.key, r.body.head.signature)).toBe(true);
  });

  it('verifies the checksum over the body text as sent (PHP/Python-style spacing and escaping)', async () => {
    const orderId = nextOrder();
    // Python's json.dumps: spaces after separators, non-ASCII escaped; PHP-style escaped slashes.
    const bodyText = `{"requestType": "Payment", "mid": "${c.mid}", "orderId": "${orderId}", "txnAmount": {"value": "1.00", "currency": "INR"}, "userInfo": {"custId": "CUST_\\u00e9"}, "callbackUrl": "https:\\/\\/m.example\\/cb"}`;
    const signature = await PaytmChecksum.generateSignature(bodyText, c.key);
    const r = await postRaw(s, initiatePath(c.mid, orderId), `{"body": ${bodyText}, "head": {"signature": "${signature}", "channelId": "WEB"}}`);
    expectResult(r, '0000', 'S');
  });

  it('wrong key: a checksum made with another merchant key is 2005', async () => {
    const r = await initiate(s, c, nextOrder(), { key: 'WrongKey_0123456' });
    expectResult(r, '2005');
    expect(r.body.body.resultInfo.resultMsg).toBe('Checksum provided is invalid');
    expect(r.body.body.txnToken).toBeUndefined();
  });

  it('tampered body: the same checksum over a changed amount is 2005', async () => {
    const orderId = nextOrder();
    const body = orderBody(c.mid, orderId);
    const signature = await PaytmChecksum.generateSignature(JSON.stringify(body), c.key);
    const tampered = { ...body, txnAmount: { value: '1000.00', currency: 'INR' } };
    expectResult(await postRaw(s, initiatePath(c.mid, orderId), JSON.stringify({ body: tampered, head: { signature } })), '2005');
  });

  it('stale timestamp: a requestTimestamp outside the window is refused (seconds or milliseconds), inside is fine', async () => {
    const window = 300_000;
    for (const ts of [clock.now() - window - 1_000, clock.now() + window + 1_000, Math.floor((clock.now() - window - 1_000) / 1000)]) {
      const r = await initiate(s, c, nextOrder(), { head: { requestTimestamp: String(ts) } });
      expectResult(r, '401');
      expect(r.body.body.txnToken).toBeUndefined();
    }
    expectResult(await initiate(s, c, nextOrder(), { head: { requestTimestamp: String(clock.now() - window + 1_000) } }), '0000', 'S');
    expectResult(await initiate(s, c, nextOrder(), { head: { requestTimeStamp: Math.floor(clock.now() / 1000) } }), '0000', 'S');
    expectResult(await initiate(s, c, nextOrder(), { head: { requestTimestamp: 'yesterday' } }), '1001');
  });

  it('replay: the same signed request twice is refused the second time, and gives no token', async () => {
    const orderId = nextOrder();
    const body = orderBody(c.mid, orderId);
    const signature = await PaytmChecksum.generateSignature(JSON.stringify(body), c.key);
    const text = JSON.stringify({ body, head: { signature } });
    const first = await postRaw(s, initiatePath(c.mid, orderId), text);
    expectResult(first, '0000', 'S');
    const again = await postRaw(s, initiatePath(c.mid, orderId), text);
    expectResult(again, '325');
    expect(again.body.body.resultInfo.resultMsg).toMatch(/signature was already used/);
    expect(again.body.body.txnToken).toBeUndefined();
    // Still refused long after the token itself has expired.
    clock.advance(TXN_TOKEN_TTL_MS + 60_000);
    const later = await postRaw(s, initiatePath(c.mid, orderId), text);
    expectResult(later, '325');
    expect(later.body.body.txnToken).toBeUndefined();
  });

  it('the same order signed afresh gets the same token (0002 Success Idempotent); a changed order is 325 Duplicate Order Id', async () => {
    const orderId = nextOrder();
    const first = await initiate(s, c, orderId);
    expectResult(first, '0000', 'S');
    const again = await initiate(s, c, orderId);
    expectResult(again, '0002', 'S');
    expect(again.body.body.txnToken).toBe(first.body.body.txnToken);
    expect(PaytmChecksum.verifySignature(JSON.stringify(again.body.body), c.key, again.body.head.signature)).toBe(true);

    const changed = await initiate(s, c, orderId, { body: { ...orderBody(c.mid, orderId), txnAmount: { value: '2.00', currency: 'INR' } } });
    expectResult(changed, '325');
    expect(changed.body.body.resultInfo.resultMsg).toBe('Duplicate Order Id');

    // Once the token has expired the order id stays used.
    clock.advance(TXN_TOKEN_TTL_MS + 1_000);
    expectResult(await initiate(s, c, orderId), '325');
    expect(ORDER_MEMORY_MS).toBeGreaterThan(TXN_TOKEN_TTL_MS);
  });

  it('2013 / 2014: body mid or orderId differing from the query', async () => {
    const orderId = nextOrder();
    const mid = await postSigned(orderBody('OTHERMID000000000001', orderId), initiatePath(c.mid, orderId));
    expectResult(mid, '2013');
    const order = await postSigned(orderBody(c.mid, 'SOME_OTHER_ORDER'), initiatePath(c.mid, orderId));
    expectResult(order, '2014');
  });

  it('2006: an unknown MID', async () => {
    const orderId = nextOrder();
    const body = orderBody('ABCDEF12345678901234', orderId);
    const r = await postSigned(body, initiatePath('ABCDEF12345678901234', orderId));
    expectResult(r, '2006');
  });

  it('1007: missing signature, head, body, mid, orderId or query parameters', async () => {
    const orderId = nextOrder();
    const body = orderBody(c.mid, orderId);
    const sig = await PaytmChecksum.generateSignature(JSON.stringify(body), c.key);
    const path = initiatePath(c.mid, orderId);
    expectResult(await postRaw(s, path, JSON.stringify({ body, head: {} })), '1007');
    expectResult(await postRaw(s, path, JSON.stringify({ body })), '1007');
    expectResult(await postRaw(s, path, JSON.stringify({ head: { signature: sig } })), '1007');
    const { mid: _m, ...noMid } = body;
    expectResult(await postSigned(noMid, path), '1007');
    const { orderId: _o, ...noOrder } = body;
    expectResult(await postSigned(noOrder, path), '1007');
    expectResult(await postRaw(s, `/paytm/theia/api/v1/initiateTransaction?mid=${c.mid}`, JSON.stringify({ body, head: { signature: sig } })), '1007');
  });

  it('1001: illegal values (orderId characters, non-string fields, over-long signature)', async () => {
    const orderId = 'bad order id!';
    expectResult(await postSigned(orderBody(c.mid, orderId), initiatePath(c.mid, orderId)), '1001');
    const ok = nextOrder();
    expectResult(await postSigned({ ...orderBody(c.mid, ok), mid: 42 }, initiatePath(c.mid, ok)), '1001');
    expectResult(await postRaw(s, initiatePath(c.mid, ok), JSON.stringify({ body: orderBody(c.mid, ok), head: { signature: 'A'.repeat(400) } })), '1001');
  });

  it('a body that is not a JSON object is 400 2222 in the envelope; unknown paths are 404 434', async () => {
    const path = initiatePath(c.mid, nextOrder());
    for (const text of ['{"body":', 'null', '[]', '"x"', '{"__proto__":{"x":1},"body":{},"head":{}}']) {
      const r = await postRaw(s, path, text);
      expectResult(r, '2222', 'F', 400);
    }
    const form = await s.req('POST', path, undefined, { key: null, raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectResult(form, '434', 'F', 415);
    const nf = await s.req('POST', '/paytm/theia/api/v1/nothing', {}, { key: null });
    expectResult(nf, '434', 'F', 404);
  });

  it('a TXN token works for OTP generation only with its own mid and orderId, and never in another account', async () => {
    const orderId = nextOrder();
    const token = (await initiate(s, c, orderId)).body.body.txnToken as string;
    expectResult(await generate(s, c, 'ANOTHER_ORDER', token, '9876500001'), '2014');
    // Another MID of the same account: the token names a different merchant id.
    const sibling = await paytmCredentials(s);
    expectResult(await generate(s, sibling, orderId, token, '9876500001'), '2013');
    // Another account's MID: the token does not exist there, indistinguishable from an expired one.
    await s.otpd.accounts.create('paytm-other');
    const c2 = await s.credentials('paytm', { account: 'paytm-other' });
    const stranger = { mid: c2.display['Merchant ID (MID)']!, key: c2.display['Merchant Key']! };
    expectResult(await generate(s, stranger, orderId, token, '9876500001'), '1006');
  });
});

async function postSigned(body: Record<string, unknown>, path: string): Promise<TestResponse> {
  const signature = await PaytmChecksum.generateSignature(JSON.stringify(body), c.key);
  return postRaw(s, path, JSON.stringify({ body, head: { signature } }));
}
