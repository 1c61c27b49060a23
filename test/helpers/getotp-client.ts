// A plain GetOTP client for the dialect tests: the calls an app makes to otp.dev, aimed at otpd's /getotp mount.
import { codeFromConsole, type TestServer } from './server.js';
import { verificationIdOf } from '../../src/dialects/getotp/ids.js';
import { readResponse } from './http.js';

export const SAMPLE_TEMPLATE = '6d16aa9d-bf19-4141-8169-48b46d972fc6';
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface GetOtpKeys {
  key: string;
  token: string;
}

/** Issues GetOTP credentials as `otpd credentials create --dialect getotp` does. */
export async function getotpKeys(s: TestServer, opts: { sandbox?: boolean; account?: string } = {}): Promise<GetOtpKeys> {
  const c = await s.credentials('getotp', opts);
  return { key: c.display['API Key']!, token: c.display['API Token']! };
}

/** One HTTP call; `json` is sent as JSON, `form` as form-encoded, `raw` as given. */
export async function call(
  base: string,
  method: string,
  path: string,
  o: { key?: string | null; basic?: [string, string]; json?: unknown; form?: Record<string, string>; raw?: string; headers?: Record<string, string>; redirect?: 'manual' | 'follow' } = {},
): Promise<Res> {
  const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
  if (o.key) headers['x-otp-key'] = o.key;
  if (o.basic) headers['authorization'] = `Basic ${Buffer.from(`${o.basic[0]}:${o.basic[1]}`).toString('base64')}`;
  let body: string | undefined = o.raw;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] ??= 'application/json';
  }
  if (o.form) {
    body = new URLSearchParams(o.form).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const res = await fetch(base + path, { method, headers, body, redirect: o.redirect ?? 'manual' });
  return readResponse(res);
}

/** Registers a template under `id` (otpd's template upkeep endpoint of the dialect). */
export async function putTemplate(base: string, key: string, id: string, body = 'Your code is {code}. It expires in {minutes} minutes.'): Promise<Res> {
  return call(base, 'PUT', `/v1/templates/${id}`, { key, json: { data: { body } } });
}

/** The seed page's sample body, with overrides. */
export function sampleData(over: Record<string, unknown> = {}): { data: Record<string, unknown> } {
  return { data: { channel: 'sms', sender: 'GetOTP', phone: '60123456789', template: SAMPLE_TEMPLATE, code_length: 4, ...over } };
}

/** The code the console provider delivered for a GetOTP message_id. */
export function deliveredCode(s: TestServer, messageId: string): Promise<string> {
  return codeFromConsole(s, verificationIdOf(messageId));
}

/** A wrong code of the same length. */
export function wrongCode(code: string): string {
  return code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
}
