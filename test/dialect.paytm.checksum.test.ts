// Property: otpd's Paytm checksum is interchangeable with the real `paytmchecksum` package, both ways, and refuses anything else.
import { describe, expect, it } from 'vitest';
import { signChecksum, verifyChecksum } from '../src/dialects/paytm/checksum.js';
import { newMerchantKey, newMid } from '../src/dialects/paytm/credentials.js';
import { rawMember } from '../src/dialects/paytm/json-span.js';
import { PaytmChecksum } from './helpers/paytm-client.js';

const KEY = 'KiDQHq0_RYf%zKK5'; // shaped like a Paytm merchant key: 16 characters
const BODY = JSON.stringify({ requestType: 'Payment', mid: 'lGfrjN75479275496908', orderId: 'ORDERID_98765', txnAmount: { value: '1.00', currency: 'INR' }, userInfo: { custId: 'CUST_001' } });

describe('paytm checksum', () => {
  it('verifies signatures made by paytmchecksum.generateSignature (string params, several salts, unicode)', async () => {
    for (const params of [BODY, '{"name":"Ünïcødé ₹ 日本"}', '', 'a|b|c']) {
      for (let i = 0; i < 5; i++) {
        const sig = await PaytmChecksum.generateSignature(params, KEY);
        expect(verifyChecksum(params, KEY, sig)).toBe(true);
      }
    }
  });

  it('makes signatures paytmchecksum.verifySignature accepts', () => {
    for (const params of [BODY, '{"name":"Ünïcødé ₹"}']) {
      const sig = signChecksum(params, KEY);
      expect(sig).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(PaytmChecksum.verifySignature(params, KEY, sig)).toBe(true);
      expect(verifyChecksum(params, KEY, sig)).toBe(true);
    }
  });

  it('refuses a wrong key, a changed body, and malformed checksums', async () => {
    const sig = await PaytmChecksum.generateSignature(BODY, KEY);
    expect(verifyChecksum(BODY, 'KiDQHq0_RYf%zKK6', sig)).toBe(false);
    expect(verifyChecksum(BODY.replace('1.00', '9.00'), KEY, sig)).toBe(false);
    expect(verifyChecksum(`${BODY} `, KEY, sig)).toBe(false);
    for (const bad of ['', 'not base64!', 'AAAA', Buffer.alloc(80).toString('base64'), `${sig}AAAA`, 'x'.repeat(300)]) {
      expect(verifyChecksum(BODY, KEY, bad)).toBe(false);
    }
    // A key that is not 16 bytes can never verify (AES-128 needs exactly 16).
    expect(verifyChecksum(BODY, 'short', sig)).toBe(false);
  });

  it('issues MIDs and merchant keys in Paytm shape that paytmchecksum can use', async () => {
    const mid = newMid();
    const key = newMerchantKey();
    expect(mid).toMatch(/^[A-Za-z]{6}\d{14}$/);
    expect(key).toMatch(/^[A-Za-z0-9_@%]{16}$/);
    expect(newMerchantKey()).not.toBe(key);
    const sig = await PaytmChecksum.generateSignature(BODY, key);
    expect(verifyChecksum(BODY, key, sig)).toBe(true);
  });
});

describe('raw member text', () => {
  it('returns the exact text of the top-level member, whatever the formatting', () => {
    const body = '{"b":"x,}]\\"{","n":[1,{"c":2}]}';
    expect(rawMember(`{"head":{"signature":"s"},"body":${body}}`, 'body')).toBe(body);
    expect(rawMember(`{ "body" : ${body} , "head" : {} }`, 'body')).toBe(body);
    const pretty = JSON.stringify({ head: { a: 1 }, body: { mid: 'M', amount: { value: '1.00' } } }, null, 2);
    expect(JSON.parse(rawMember(pretty, 'body')!)).toEqual({ mid: 'M', amount: { value: '1.00' } });
    expect(rawMember(pretty, 'body')).toContain('\n');
    expect(rawMember('{"\\u0062ody":{"a":1}}', 'body')).toBe('{"a":1}');
    expect(rawMember('{"body":1,"body":{"last":true}}', 'body')).toBe('{"last":true}');
    expect(rawMember('{"body":-1.5e3}', 'body')).toBe('-1.5e3');
    expect(rawMember('{"head":{}}', 'body')).toBeNull();
    expect(rawMember('[1,2]', 'body')).toBeNull();
  });
});
