// Test helpers for the Twilio dialect: Twilio credentials, raw form-encoded requests with Basic auth, and the real SDK.
import twilio from 'twilio';
import { verificationIdOf } from '../../src/dialects/twilio/ids.js';
import { codeFromConsole, type TestResponse, type TestServer } from './server.js';
import { readResponse } from './http.js';

export interface TwilioCreds {
  accountSid: string;
  authToken: string;
  apiKeySid: string;
  apiKeySecret: string;
}

/** Issues Twilio credentials for the default account, as `otpd credentials create --dialect twilio` does. */
export async function twilioCreds(s: TestServer, opts: { sandbox?: boolean; account?: string } = {}): Promise<TwilioCreds> {
  const { display } = await s.credentials('twilio', opts);
  return { accountSid: display['Account SID']!, authToken: display['Auth Token']!, apiKeySid: display['API Key SID']!, apiKeySecret: display['API Key Secret']! };
}

/** A Basic authorization header value. */
export function basicAuth(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/**
 * One raw request: `params` form-encoded into the body (POST) or the query (GET); `auth` is [user, pass],
 * null for none, or a header value as given.
 */
export async function twilioReq(
  base: string,
  method: string,
  path: string,
  params: Record<string, string> | undefined,
  auth: [string, string] | string | null,
  opts: { headers?: Record<string, string>; raw?: string } = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (auth !== null) headers['authorization'] = typeof auth === 'string' ? auth : basicAuth(auth[0], auth[1]);
  let body: string | undefined = opts.raw;
  if (params && method !== 'GET') {
    body = new URLSearchParams(params).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const res = await fetch(base + path, { method, headers, body });
  return readResponse(res);
}

/** The real `twilio` SDK aimed at an otpd Twilio mount (`base` is e.g. http://127.0.0.1:PORT/twilio). */
export function twilioSdk(base: string, username: string, password: string, accountSid?: string): ReturnType<typeof twilio> {
  const client = twilio(username, password, accountSid ? { accountSid } : {});
  client.verify.baseUrl = base;
  return client;
}

/** The code the console provider delivered for verification `sid` (a VE… sid). */
export function codeFor(s: TestServer, sid: string): Promise<string> {
  const id = verificationIdOf(sid);
  if (!id) throw new Error(`not a VE sid: ${sid}`);
  return codeFromConsole(s, id);
}

/** A wrong code of the same length as `code`. */
export function wrongCode(code: string): string {
  return code === '0'.repeat(code.length) ? '1'.repeat(code.length) : '0'.repeat(code.length);
}
