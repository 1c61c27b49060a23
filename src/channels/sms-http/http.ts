// Shared plumbing for the HTTP SMS providers: one POST with timeouts, HTTP-status triage, and error text kept free of secrets.
import { request } from 'undici';
import { DeliveryError, type OutboundMessage } from '../types.js';

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * POSTs `body` and reads the whole answer. Anything that stops us from getting an answer
 * (refused connection, DNS, TLS, no headers or body within `timeoutMs`) is a transient DeliveryError.
 */
export async function post(provider: string, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpAnswer> {
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'user-agent': 'otpd-sms/1', accept: 'application/json', ...headers },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, text: await res.body.text() };
  } catch (e) {
    throw new DeliveryError(`${provider} request failed: ${(e as Error).message}`, false);
  }
}

/** HTTP statuses worth retrying later: 408, 429, 5xx, and anything outside 2xx/4xx (e.g. a redirect we do not follow). */
export function isTransientHttp(status: number): boolean {
  return status === 408 || status === 429 || status < 400 || status >= 500;
}

/** Parses JSON, or returns undefined for an empty or malformed body. */
export function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A provider's free-text error, made safe to store and log: the OTP code, the message body and the
 * provider credentials are blanked out (a provider may echo the request), and the text is bounded.
 */
export function safeDetail(text: unknown, msg: OutboundMessage, secrets: readonly string[]): string {
  if (typeof text !== 'string' || text.trim() === '') return '';
  let out = text;
  for (const s of [msg.body, msg.code, ...secrets]) {
    if (s) out = out.split(s).join('[redacted]');
  }
  // Codes may be letters too; catch a differently-cased echo.
  const code = msg.code.replace(/[^A-Za-z0-9]/g, '');
  if (code) out = out.replace(new RegExp(code, 'gi'), '[redacted]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
}
