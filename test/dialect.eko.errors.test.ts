// Every core error code has an Eko answer: Eko's envelope, a 4xx for the caller's faults, 403 for auth, Retry-After where known.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OtpError, type ErrorCode } from '../src/core/errors.js';
import { failureBody, fromCore, toEkoError } from '../src/dialects/eko/errors.js';

const EXPECTED: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_recipient: 400,
  invalid_code: 400,
  template_missing_code: 400,
  channel_unavailable: 422,
  not_found: 404,
  unauthorized: 403,
  forbidden: 403,
  geo_not_allowed: 403,
  resend_cooldown: 429,
  max_sends_reached: 429,
  rate_limited: 429,
  verification_not_pending: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  store_unavailable: 503,
  internal: 500,
};

describe('core error -> Eko', () => {
  it.each(ERROR_CODES.map((c) => [c]))('maps %s', (code) => {
    const e = fromCore(new OtpError(code, 'detail', { retryAfter: 7, fields: [{ field: 'mobile', detail: 'is bad' }] }));
    expect(e.httpStatus).toBe(EXPECTED[code]);
    expect(e.ekoCode).toBe(1);
    expect(e.opts.retryAfter).toBe(7);
    expect(failureBody(e.ekoCode, e.message, {}, e.opts.invalidParams)).toEqual({
      status: 1,
      response_status_id: 1,
      response_type_id: 1,
      message: expect.any(String),
      data: {},
      invalid_params: { mobile: 'is bad' },
    });
  });

  it('turns anything else thrown into a 500 without leaking its message, and Fastify body errors into 4xx', () => {
    const e = toEkoError(new Error('SELECT secret FROM somewhere'));
    expect(e.httpStatus).toBe(500);
    expect(e.message).not.toContain('secret');
    expect(toEkoError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })).httpStatus).toBe(415);
    expect(toEkoError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).httpStatus).toBe(413);
  });
});
