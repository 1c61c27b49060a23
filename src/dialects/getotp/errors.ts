// GetOTP's error codes and body shape, and the one map from otpd's core error codes to them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../core/errors.js';
import { toOtpError } from '../../http/errors.js';

/** The codes of GetOTP's documented table (seed page), with its HTTP status and its exact description. */
const DOCUMENTED = {
  '1136': [401, 'User Not Authorized'],
  '1512': [400, 'Invalid template id'],
  '1513': [400, 'Template is not found'],
  '1515': [400, 'Invalid channel specified'],
  '1523': [400, 'Invalid recipient number(s)'],
  '1620': [400, "'sender' is missing"],
  '1621': [400, "'phone' is missing"],
  '1622': [400, "'template' is missing"],
  '1623': [400, 'Invalid code length'],
  '1624': [400, 'Template does not contain keyword {code}'],
  '1629': [400, "Provide either 'data.code' or 'data.code_length' but not both"],
  '1631': [400, "When 'data.channel' is not VOICE 'data.code' must be valid and 4 to 8 characters long"],
  '1632': [400, "'data.code' should be numeric if provided"],
  '1705': [400, 'Invalid payload'],
} as const satisfies Record<string, readonly [number, string]>;

/**
 * otpd's own codes, for situations GetOTP documents no code for. They sit in the unused 19xx range
 * so a client's switch on GetOTP's codes never mistakes one for a documented meaning.
 */
const OTPD = {
  '1900': [400, 'Invalid request body'],
  '1901': [404, 'Not found'],
  '1902': [405, 'Method not allowed'],
  '1903': [413, 'Request body too large'],
  '1904': [415, 'Unsupported media type'],
  '1910': [400, "'success_redirect_url' is missing or is not an http(s) URL"],
  '1911': [400, "'fail_redirect_url' is missing or is not an http(s) URL"],
  '1912': [400, "'callback_url' is not an http(s) URL"],
  '1915': [400, "'body' is missing or invalid"],
  '1920': [429, 'Too many requests'],
  '1921': [429, 'Too many requests for this recipient; retry later'],
  '1922': [429, 'Maximum number of sends reached for this verification'],
  '1930': [403, 'Destination not allowed'],
  '1931': [403, 'Forbidden'],
  '1940': [409, 'Verification is no longer pending'],
  '1941': [422, 'Request conflicts with an earlier one'],
  '1950': [503, 'Service temporarily unavailable'],
  '1999': [500, 'Internal error'],
} as const satisfies Record<string, readonly [number, string]>;

export type GetOtpCode = keyof typeof DOCUMENTED | keyof typeof OTPD;
const CATALOG: Record<GetOtpCode, readonly [number, string]> = { ...DOCUMENTED, ...OTPD };

/** An error already in GetOTP's vocabulary. */
export class GetOtpError extends Error {
  readonly status: number;
  constructor(
    readonly code: GetOtpCode,
    message?: string,
    readonly retryAfter?: number,
    /** What was thrown before translation, for the 5xx log line. */
    readonly origin?: unknown,
  ) {
    super(message ?? CATALOG[code][1]);
    this.name = 'GetOtpError';
    this.status = CATALOG[code][0];
  }
}

/** Shorthand for throwing a catalogued error with its catalogued message. */
export function fail(code: GetOtpCode, message?: string): GetOtpError {
  return new GetOtpError(code, message);
}

/** Every core code has a GetOTP code; the compiler keeps this total. */
const FROM_CORE: Record<ErrorCode, GetOtpCode> = {
  unauthorized: '1136',
  invalid_recipient: '1523',
  template_missing_code: '1624',
  invalid_code: '1631',
  channel_unavailable: '1515',
  invalid_request: '1900',
  not_found: '1901',
  method_not_allowed: '1902',
  payload_too_large: '1903',
  unsupported_media_type: '1904',
  rate_limited: '1920',
  resend_cooldown: '1921',
  max_sends_reached: '1922',
  geo_not_allowed: '1930',
  forbidden: '1931',
  verification_not_pending: '1940',
  idempotency_key_reused: '1941',
  store_unavailable: '1950',
  internal: '1999',
};

/** Any thrown thing -> a GetOtpError. Core messages are kept where GetOTP has no fixed text of its own. */
export function toGetOtpError(err: unknown): GetOtpError {
  if (err instanceof GetOtpError) return err;
  const e = toOtpError(err);
  const code = FROM_CORE[e.code];
  const documented = code in DOCUMENTED;
  // Documented codes answer with GetOTP's own text; 5xx never leak an internal message.
  const keepMessage = !documented && e.code !== 'internal' && e.code !== 'store_unavailable';
  return new GetOtpError(code, keepMessage ? e.message : undefined, e.retryAfter, e);
}

/** `yyyy-mm-dd hh:mm:ss` in UTC, as in GetOTP's error sample. */
export function errorTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export interface ErrorBody {
  errors: Array<{ timestamp: string; path: string; method: string; status: number; message: string; code: string }>;
}

/** The error body; `path` is the vendor path (relative to the mount point), as GetOTP itself would report it. */
export function errorBody(e: GetOtpError, path: string, method: string, now: number): ErrorBody {
  return { errors: [{ timestamp: errorTimestamp(now), path, method, status: e.status, message: e.message, code: e.code }] };
}

/** The request path as the vendor sees it: without the mount prefix and the query string. */
export function vendorPath(req: FastifyRequest, prefix: string): string {
  const path = req.url.split('?')[0] ?? '/';
  return prefix && path.startsWith(prefix) ? path.slice(prefix.length) || '/' : path;
}

/** Sends any error in GetOTP's shape; 5xx are logged with their cause, never with request secrets. */
export function sendGetOtpError(err: unknown, req: FastifyRequest, reply: FastifyReply, prefix: string, now: number): FastifyReply {
  const e = toGetOtpError(err);
  if (e.status >= 500) req.log.error({ err: (e.origin as { cause?: unknown } | undefined)?.cause ?? e.origin ?? err, getotp_code: e.code }, 'request failed');
  if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
  return reply.code(e.status).type('application/json').send(errorBody(e, vendorPath(req, prefix), req.method, now));
}
