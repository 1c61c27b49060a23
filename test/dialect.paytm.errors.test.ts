// Property: every core error code has a Paytm result; only store outages and internal faults are 5xx (501 / 00000900 System error).
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OtpError } from '../src/core/errors.js';
import { RESULTS, toPaytmError, type PaytmApi } from '../src/dialects/paytm/errors.js';

const EXPECTED: Record<(typeof ERROR_CODES)[number], { verify: string; generate: string; http: number }> = {
  invalid_request: { verify: '1001', generate: '1011', http: 200 },
  invalid_recipient: { verify: '431', generate: '431', http: 200 },
  invalid_code: { verify: '403', generate: '403', http: 200 },
  channel_unavailable: { verify: '827', generate: '827', http: 200 },
  not_found: { verify: '1006', generate: '1006', http: 200 },
  unauthorized: { verify: '401', generate: '401', http: 200 },
  resend_cooldown: { verify: '531', generate: '531', http: 200 },
  max_sends_reached: { verify: '531', generate: '531', http: 200 },
  rate_limited: { verify: '531', generate: '531', http: 200 },
  geo_not_allowed: { verify: '431', generate: '431', http: 200 },
  forbidden: { verify: '401', generate: '401', http: 200 },
  verification_not_pending: { verify: '1006', generate: '1006', http: 200 },
  template_missing_code: { verify: '1001', generate: '1011', http: 200 },
  idempotency_key_reused: { verify: '1001', generate: '1011', http: 200 },
  payload_too_large: { verify: '2222', generate: '2222', http: 413 },
  unsupported_media_type: { verify: '434', generate: '434', http: 415 },
  method_not_allowed: { verify: '434', generate: '434', http: 405 },
  store_unavailable: { verify: '501', generate: '501', http: 503 },
  internal: { verify: '501', generate: '501', http: 500 },
};

describe('paytm error mapping', () => {
  it('maps every core error code, per API', () => {
    for (const code of ERROR_CODES) {
      for (const api of ['verify', 'generate'] as PaytmApi[]) {
        const e = toPaytmError(new OtpError(code, 'x', { retryAfter: 7 }), api);
        expect({ code, api, resultCode: e.result.resultCode, http: e.http }).toEqual({ code, api, resultCode: EXPECTED[code][api as 'verify'], http: EXPECTED[code].http });
        expect(e.result.resultStatus).toBe('F');
      }
    }
  });

  it('rate limits carry Retry-After; the theia API says 00000900 for a system error', () => {
    expect(toPaytmError(new OtpError('rate_limited', 'x', { retryAfter: 42 }), 'generate').retryAfter).toBe(42);
    expect(toPaytmError(new OtpError('resend_cooldown', 'x', { retryAfter: 12 }), 'generate').result.resultMsg).toMatch(/12 seconds/);
    expect(toPaytmError(new OtpError('rate_limited', 'x'), 'verify').result).toEqual(RESULTS.otpLimit);
    const sys = toPaytmError(new OtpError('store_unavailable', 'x'), 'initiate');
    expect(sys.result).toEqual({ resultStatus: 'U', resultCode: '00000900', resultMsg: 'System error' });
    expect(toPaytmError(new OtpError('invalid_request', 'x'), 'initiate').result.resultCode).toBe('1001');
    expect(toPaytmError(new Error('boom'), 'verify').result.resultCode).toBe('501');
    expect(toPaytmError(new SyntaxError('bad'), 'verify')).toMatchObject({ http: 400, result: { resultCode: '2222' } });
  });
});
