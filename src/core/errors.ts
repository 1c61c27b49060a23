// The one error class of otpd: a stable machine code from a closed union; HTTP status is chosen at the edge.

export const ERROR_CODES = [
  'invalid_request',
  'invalid_recipient',
  'invalid_code',
  'channel_unavailable',
  'not_found',
  'unauthorized',
  'resend_cooldown',
  'max_sends_reached',
  /** A rate limit or abuse guard tripped; `retryAfter` says when to try again. */
  'rate_limited',
  /** The recipient's country or number type is not allowed for this account and channel. */
  'geo_not_allowed',
  /** The credentials are valid but lack the scope this call needs. */
  'forbidden',
  'verification_not_pending',
  'template_missing_code',
  'idempotency_key_reused',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'store_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  field: string;
  detail: string;
}

export class OtpError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[] | undefined;
  /** Seconds the caller should wait before retrying, where that is known. */
  readonly retryAfter: number | undefined;
  /** For `rate_limited`: which limit or guard tripped (e.g. recipient_sends_per_hour, fraud_prefix_blocked). */
  readonly limit: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { fields?: FieldError[]; retryAfter?: number; limit?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OtpError';
    this.code = code;
    this.fields = opts.fields;
    this.retryAfter = opts.retryAfter;
    this.limit = opts.limit;
  }
}

export function isOtpError(e: unknown): e is OtpError {
  return e instanceof OtpError;
}
