// A Paytm merchant's side of the wire for the dialect tests: signs with the real `paytmchecksum` package and speaks the {head, body} envelope.
import { createRequire } from 'node:module';
import { waitFor, type TestResponse, type TestServer } from './server.js';

/** The npm `paytmchecksum` package (CommonJS, untyped): what Paytm merchants sign with. */
export interface PaytmChecksumLib {
  generateSignature(params: string | Record<string, string>, key: string): Promise<string>;
  verifySignature(params: string | Record<string, string>, key: string, checksum: string): boolean;
}
export const PaytmChecksum = createRequire(import.meta.url)('paytmchecksum') as PaytmChecksumLib;

export interface PaytmCreds {
  mid: string;
  key: string;
}

/** Issues Paytm credentials for the default account; the labels are the ones `otpd credentials create` prints. */
export async function paytmCredentials(s: TestServer, sandbox = false): Promise<PaytmCreds> {
  const c = await s.credentials('paytm', { sandbox });
  return { mid: c.display['Merchant ID (MID)']!, key: c.display['Merchant Key']! };
}

/** POSTs raw text as JSON (for requests whose exact bytes matter). */
export async function postRaw(s: TestServer, path: string, text: string, headers: Record<string, string> = {}): Promise<TestResponse> {
  return s.req('POST', path, undefined, { key: null, raw: text, headers: { 'content-type': 'application/json', ...headers } });
}

/** Paytm's documented Initiate Transaction body (JS Checkout sample), for an order. */
export function orderBody(mid: string, orderId: string): Record<string, unknown> {
  return {
    requestType: 'Payment',
    mid,
    websiteName: 'WEBSTAGING',
    orderId,
    txnAmount: { value: '1.00', currency: 'INR' },
    userInfo: { custId: 'CUST_001' },
    callbackUrl: 'https://merchant.example/callback',
  };
}

export const initiatePath = (mid: string, orderId: string): string =>
  `/paytm/theia/api/v1/initiateTransaction?mid=${encodeURIComponent(mid)}&orderId=${encodeURIComponent(orderId)}`;

/** Signs `body` as a Paytm merchant does (JSON.stringify, then generateSignature) and posts {body, head: {signature}}. */
export async function initiate(s: TestServer, c: PaytmCreds, orderId: string, opts: { head?: Record<string, unknown>; body?: Record<string, unknown>; key?: string } = {}): Promise<TestResponse> {
  const body = opts.body ?? orderBody(c.mid, orderId);
  const signature = await PaytmChecksum.generateSignature(JSON.stringify(body), opts.key ?? c.key);
  return postRaw(s, initiatePath(c.mid, orderId), JSON.stringify({ body, head: { signature, ...opts.head } }));
}

/** A TXN token for a fresh order. */
export async function txnToken(s: TestServer, c: PaytmCreds, orderId: string): Promise<string> {
  const r = await initiate(s, c, orderId);
  if (r.body?.body?.resultInfo?.resultCode !== '0000') throw new Error(`initiateTransaction failed: ${r.text}`);
  return r.body.body.txnToken as string;
}

export const otpPath = (op: 'generate' | 'verify', mid: string, orderId: string): string =>
  `/paytm/aoa-pay-option-service/v2/otp/${op}?mid=${encodeURIComponent(mid)}&orderId=${encodeURIComponent(orderId)}`;

/** Generate OTP with the documented envelope. */
export function generate(s: TestServer, c: PaytmCreds, orderId: string, token: string, mobileNumber: string, head: Record<string, unknown> = {}): Promise<TestResponse> {
  return s.req('POST', otpPath('generate', c.mid, orderId), { head: { tokenType: 'TXN_TOKEN', token, ...head }, body: { mobileNumber } }, { key: null });
}

/** Verify OTP with the documented envelope. */
export function verify(s: TestServer, c: PaytmCreds, orderId: string, token: string, otp: string, head: Record<string, unknown> = {}): Promise<TestResponse> {
  return s.req('POST', otpPath('verify', c.mid, orderId), { head: { version: 'v1', channelId: 'WEB', tokenType: 'TXN_TOKEN', token, ...head }, body: { otp } }, { key: null });
}

/** The resultInfo of a Paytm response. */
export const result = (r: TestResponse): { resultStatus: string; resultCode: string; resultMsg: string } => r.body?.body?.resultInfo;

/** The newest code the console provider printed for this Indian mobile number. */
export function codeForMobile(s: TestServer, mobile: string): Promise<string> {
  return waitFor(`a console delivery to +91${mobile}`, () => {
    const line = s.consoleOut.text.split('\n').reverse().find((l) => l.includes(`to +91${mobile} `));
    return (line ? / is ([A-Z0-9]{4,10})\b/.exec(line) : null)?.[1];
  });
}
