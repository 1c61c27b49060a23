// Every core error code maps to a D7-shaped response with a fitting status; the otp_id encoding round-trips.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OtpError, type ErrorCode } from '../src/core/errors.js';
import { newId } from '../src/core/ids.js';
import { fromOtpError } from '../src/dialects/d7/errors.js';
import { otpIdOf, verIdOf } from '../src/dialects/d7/ids.js';

const EXPECTED: Record<ErrorCode, number> = {
  invalid_request: 422,
  invalid_recipient: 422,
  invalid_code: 400,
  channel_unavailable: 422,
  not_found: 404,
  unauthorized: 401,
  resend_cooldown: 400,
  max_sends_reached: 400,
  rate_limited: 429,
  geo_not_allowed: 403,
  forbidden: 403,
  verification_not_pending: 400,
  template_missing_code: 422,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 422,
  method_not_allowed: 405,
  store_unavailable: 503,
  internal: 500,
};

describe('D7 error mapping', () => {
  it.each(ERROR_CODES.map((c) => [c]))('%s -> a D7 body with `detail`', (code) => {
    const e = fromOtpError(new OtpError(code, 'msg', { retryAfter: 7 }));
    expect(e.status).toBe(EXPECTED[code]);
    expect(e.body).toHaveProperty('detail');
    if (e.status === 422) expect((e.body as { detail: unknown[] }).detail[0]).toMatchObject({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
  });

  it('abuse limits carry Retry-After; the resend cooldown uses D7\'s own message', () => {
    expect(fromOtpError(new OtpError('rate_limited', 'slow down', { retryAfter: 42 }))).toMatchObject({ status: 429, retryAfter: 42 });
    expect(fromOtpError(new OtpError('resend_cooldown', 'wait', { retryAfter: 60 })).body).toEqual({ detail: 'Frequent resend request, resend request need minimum 60 seconds delay' });
    expect(fromOtpError(new OtpError('store_unavailable', 'down', { retryAfter: 1 })).retryAfter).toBe(1);
  });

  it('core field names are reported under D7 field names', () => {
    const e = fromOtpError(new OtpError('invalid_recipient', 'bad', { fields: [{ field: 'to', detail: 'is not a valid phone number' }] }));
    expect(e.body).toEqual({ detail: [{ loc: ['body', 'recipient'], msg: 'is not a valid phone number', type: 'value_error.phone' }] });
  });
});

describe('otp_id encoding', () => {
  it('round-trips every verification id through a lowercase UUID', () => {
    for (let i = 0; i < 200; i++) {
      const id = newId('ver', Date.UTC(2026, 0, 1) + i * 997);
      const otp = otpIdOf(id);
      expect(otp).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(verIdOf(otp)).toBe(id);
      expect(verIdOf(otp.toUpperCase())).toBe(id);
      expect(verIdOf(otp.replace(/-/g, ''))).toBe(id);
    }
  });

  it('rejects what is not a UUID', () => {
    for (const x of ['', 'abc', '86b24910-2d1e-4257-b6d4-e6b829e50e8', '86b24910-2d1e-4257-b6d4-e6b829e50e84x', 42, null, {}]) expect(verIdOf(x)).toBeNull();
  });
});
