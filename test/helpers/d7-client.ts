// A D7 Verify v1 client for the tests: JSON over fetch with a bearer token, and the code read back from the console provider.
import { verIdOf } from '../../src/dialects/d7/ids.js';
import { waitFor, type TestServer } from './server.js';
import { readResponse } from './http.js';

export interface D7Response {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface D7Client {
  base: string;
  token: string;
  /** Sends `body` as JSON (or `raw` as given) to `base + path`; `token: null` sends no Authorization header. */
  call(method: string, path: string, body?: unknown, o?: { token?: string | null; raw?: string; headers?: Record<string, string> }): Promise<D7Response>;
  sendOtp(body: Record<string, unknown>): Promise<D7Response>;
  resendOtp(otpId: string): Promise<D7Response>;
  verifyOtp(otpId: string, code: string | number): Promise<D7Response>;
  report(otpId: string): Promise<D7Response>;
}

/** A client for the dialect mounted at `base` (e.g. `${s.url}/d7`). */
export function d7Client(base: string, token: string): D7Client {
  const call: D7Client['call'] = async (method, path, body, o = {}) => {
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    const tok = o.token === undefined ? token : o.token;
    if (tok !== null) headers['authorization'] = `Bearer ${tok}`;
    let payload = o.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(base + path, { method, headers, body: payload });
    return readResponse(res);
  };
  return {
    base,
    token,
    call,
    sendOtp: (body) => call('POST', '/verify/v1/otp/send-otp', body),
    resendOtp: (otpId) => call('POST', '/verify/v1/otp/resend-otp', { otp_id: otpId }),
    verifyOtp: (otpId, code) => call('POST', '/verify/v1/otp/verify-otp', { otp_id: otpId, otp_code: code }),
    report: (otpId) => call('GET', `/verify/v1/report/${otpId}`),
  };
}

/** Issues a D7 API token for the default account (as `otpd credentials create --dialect d7` does) and returns a client. */
export async function d7For(s: TestServer, o: { sandbox?: boolean; account?: string; base?: string } = {}): Promise<D7Client> {
  const { display } = await s.credentials('d7', { sandbox: o.sandbox, account: o.account });
  return d7Client(o.base ?? `${s.url}/d7`, display['API Token']!);
}

/** The console lines printed for the verification behind `otpId`, newest last. */
export function consoleLinesFor(s: TestServer, otpId: string): string[] {
  const id = verIdOf(otpId);
  return s.consoleOut.text.split('\n').filter((l) => id !== null && l.includes(`(${id})`));
}

/** The code the console provider printed for `otpId`, found where `{}` stands in `content`. */
export function d7Code(s: TestServer, otpId: string, content = 'Greetings from D7 API, your mobile verification code is: {}'): Promise<string> {
  const pattern = new RegExp(content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{\\}', '([A-Za-z0-9]{2,10})'));
  return waitFor(`a console delivery for ${otpId}`, () => {
    const line = consoleLinesFor(s, otpId).reverse().find((l) => pattern.test(l));
    return line ? pattern.exec(line)?.[1] : undefined;
  });
}
