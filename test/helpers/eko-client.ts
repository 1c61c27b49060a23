// A minimal Eko client for tests: signs requests the way Eko's docs say (computed here, independently of the dialect's code).
import { createHmac } from 'node:crypto';
import type { Clock } from '../../src/core/clock.js';
import { systemClock } from '../../src/core/clock.js';
import type { TestResponse, TestServer } from './server.js';
import { readResponse } from './http.js';

export interface EkoCreds {
  developerKey: string;
  accessKey: string;
  initiatorId: string;
}

/** Eko's formula: secret-key = base64(HMAC-SHA256(key = base64(access_key) as text, message = timestamp)). */
export function ekoSign(accessKey: string, timestamp: string): string {
  const encodedKey = Buffer.from(accessKey).toString('base64');
  return createHmac('sha256', encodedKey).update(timestamp).digest('base64');
}

/** Issues Eko credentials on the test server, named as the CLI prints them. */
export async function ekoCredentials(s: TestServer, sandbox = true): Promise<EkoCreds> {
  const { display } = await s.credentials('eko', { sandbox });
  return { developerKey: display['developer_key']!, accessKey: display['access_key']!, initiatorId: display['initiator_id']! };
}

export interface CallOptions {
  /** Overrides the timestamp (default: the clock, made unique per request). */
  ts?: string;
  /** Headers to add or override (e.g. a wrong secret-key); null removes one. */
  headers?: Record<string, string | null>;
  /** Sends the body form-encoded instead of JSON. */
  form?: boolean;
  /** A raw body with its own content-type header. */
  raw?: string;
  /** Query parameters (validate-token). */
  query?: Record<string, string>;
}

export interface EkoClient {
  creds: EkoCreds;
  call(method: string, path: string, body?: unknown, o?: CallOptions): Promise<TestResponse & { sent: Record<string, string> }>;
  send(body: Record<string, unknown>, o?: CallOptions): Promise<TestResponse>;
  verify(body: Record<string, unknown>, o?: CallOptions): Promise<TestResponse>;
  validate(token: string, o?: CallOptions): Promise<TestResponse>;
}

/** A client against `base` (the server URL plus the mount point), with timestamps from `clock`. */
export function ekoClient(base: string, creds: EkoCreds, clock: Clock = systemClock): EkoClient {
  let last = 0;
  // Every request gets a new millisecond: the dialect refuses a reused (key, timestamp) as a replay.
  const nextTs = () => {
    last = Math.max(clock.now(), last + 1);
    return String(last);
  };
  const call: EkoClient['call'] = async (method, path, body, o = {}) => {
    const ts = o.ts ?? nextTs();
    const headers: Record<string, string> = {
      developer_key: creds.developerKey,
      'secret-key': ekoSign(creds.accessKey, ts),
      'secret-key-timestamp': ts,
    };
    let payload: string | undefined = o.raw;
    if (body !== undefined) {
      if (o.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, formValue(v)])).toString();
      } else {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
    }
    for (const [k, v] of Object.entries(o.headers ?? {})) {
      if (v === null) delete headers[k];
      else headers[k] = v;
    }
    const qs = o.query ? `?${new URLSearchParams(o.query).toString()}` : '';
    const res = await fetch(base + path + qs, { method, headers, body: payload });
    return { ...(await readResponse(res)), sent: headers };
  };
  return {
    creds,
    call,
    send: (body, o) => call('POST', '/tools/kyc/mobile/otp', body, o),
    verify: (body, o) => call('PUT', '/tools/kyc/mobile/otp/verify', body, o),
    validate: (token, o) => call('GET', '/tools/kyc/mobile/otp/validate-token', undefined, { ...o, query: { initiator_id: creds.initiatorId, otp_verification_token: token, ...o?.query } }),
  };
}

/** A form field's text; objects (which a form cannot carry) as JSON, so fuzzed values never break the client. */
export function formValue(v: unknown): string {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Asserts Eko's envelope: exactly status, response_status_id, response_type_id, message, data (and invalid_params on field errors). */
export function ekoEnvelopeKeys(body: unknown): string[] {
  return Object.keys(body as object)
    .filter((k) => k !== 'invalid_params')
    .sort();
}
