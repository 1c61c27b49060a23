// Paytm result codes, and the one mapping from core error codes (and Fastify errors) to them.
import type { ErrorCode } from '../../core/errors.js';
import { toOtpError } from '../../http/errors.js';

/** One of Paytm's `resultInfo` triples. */
export interface ResultInfo {
  resultStatus: 'S' | 'F' | 'U';
  resultCode: string;
  resultMsg: string;
}

const r = (resultCode: string, resultMsg: string, resultStatus: ResultInfo['resultStatus'] = 'F'): ResultInfo => ({ resultStatus, resultCode, resultMsg });

/** Every result this dialect answers with; codes and messages as Paytm's API pages spell them. */
export const RESULTS = {
  success: r('0000', 'Success', 'S'),
  successIdempotent: r('0002', 'Success Idempotent', 'S'),
  // AI Router OTP APIs.
  systemError: r('501', 'System error'),
  paramMissing: r('1012', 'param missing'),
  paramIllegal: r('1011', 'Parameter illegal'),
  missingElement: r('1007', 'Missing mandatory element'),
  invalidParams: r('1001', 'Request parameters are not valid'),
  sessionExpired: r('1006', 'Your Session has expired'),
  midMismatch: r('2013', "Mid in the query param doesn't match with the Mid send in the request"),
  orderIdMismatch: r('2014', "OrderId in the query param doesn't match with the OrderId send in the request"),
  invalidOtp: r('403', 'Invalid OTP entered'),
  usedOtp: r('442', 'Invalid OTP, already used OTP entered.'),
  loginFailed: r('432', 'Login Failed'),
  authFailed: r('401', 'Authorization Failed'),
  badRequest: r('434', 'Bad Request'),
  invalidMobile: r('431', 'Invalid Mobile'),
  otpLimit: r('531', 'Oops ! You have reached OTP limit, please raise a query at paytm.com/care.'),
  notSupported: r('827', 'OTP is not supported on this mid'),
  invalidBody: r('2222', 'Invalid request body'),
  // Initiate Transaction (theia).
  theiaSystemError: r('00000900', 'System error', 'U'),
  checksumInvalid: r('2005', 'Checksum provided is invalid'),
  midInvalid: r('2006', 'Mid is invalid'),
  duplicateOrder: r('325', 'Duplicate Order Id'),
  replayed: r('325', 'Duplicate request: this signature was already used'),
} as const satisfies Record<string, ResultInfo>;

/** Which API answers: the vocabularies differ slightly (generate says 1012/1011, verify 1007/1001, theia 00000900). */
export type PaytmApi = 'initiate' | 'generate' | 'verify';

/** A refusal in Paytm's terms; `http` is the transport status (200 unless the request never became a Paytm request). */
export class PaytmError extends Error {
  constructor(
    readonly result: ResultInfo,
    readonly http = 200,
    readonly retryAfter?: number,
  ) {
    super(result.resultMsg);
    this.name = 'PaytmError';
  }
}

/** The "missing field" answer of each API. */
export function missing(api: PaytmApi): PaytmError {
  return new PaytmError(api === 'generate' ? RESULTS.paramMissing : RESULTS.missingElement);
}

/** The "field present but not acceptable" answer of each API. */
export function illegal(api: PaytmApi): PaytmError {
  return new PaytmError(api === 'generate' ? RESULTS.paramIllegal : RESULTS.invalidParams);
}

/** A cooldown names its wait; Paytm's own 531 text ("raise a query") would send a user to support for a 30 s wait. */
function cooldown(retryAfter: number | undefined): ResultInfo {
  return { ...RESULTS.otpLimit, resultMsg: `Please wait ${retryAfter ?? 30} seconds before requesting another OTP.` };
}

/** Core error code -> Paytm result and HTTP status. Business refusals are HTTP 200, as Paytm answers them. */
function fromCode(code: ErrorCode, api: PaytmApi, retryAfter: number | undefined): PaytmError {
  const system = api === 'initiate' ? RESULTS.theiaSystemError : RESULTS.systemError;
  switch (code) {
    case 'invalid_request':
    case 'template_missing_code':
    case 'idempotency_key_reused':
      return illegal(api);
    case 'invalid_recipient':
    case 'geo_not_allowed':
      return new PaytmError(RESULTS.invalidMobile);
    case 'invalid_code':
      return new PaytmError(RESULTS.invalidOtp);
    case 'channel_unavailable':
      return new PaytmError(RESULTS.notSupported);
    case 'not_found':
    case 'verification_not_pending':
      return new PaytmError(RESULTS.sessionExpired);
    case 'unauthorized':
    case 'forbidden':
      return new PaytmError(RESULTS.authFailed);
    case 'resend_cooldown':
      return new PaytmError(cooldown(retryAfter), 200, retryAfter);
    case 'max_sends_reached':
    case 'rate_limited':
      return new PaytmError(RESULTS.otpLimit, 200, retryAfter);
    // The request never became a Paytm request: a transport status, in Paytm's envelope.
    case 'payload_too_large':
      return new PaytmError(RESULTS.invalidBody, 413);
    case 'unsupported_media_type':
      return new PaytmError(RESULTS.badRequest, 415);
    case 'method_not_allowed':
      return new PaytmError(RESULTS.badRequest, 405);
    case 'store_unavailable':
      return new PaytmError(system, 503, retryAfter);
    case 'internal':
      return new PaytmError(system, 500);
  }
}

/** Any thrown thing -> a PaytmError. A body that is not JSON, or any other Fastify 4xx, is a transport error: 2222 with that status. */
export function toPaytmError(err: unknown, api: PaytmApi): PaytmError {
  if (err instanceof PaytmError) return err;
  const e = toOtpError(err);
  if (e.code === 'invalid_request' && e !== err) {
    const status = (err as { statusCode?: unknown } | null)?.statusCode;
    return new PaytmError(RESULTS.invalidBody, typeof status === 'number' && status >= 400 && status < 500 ? status : 400);
  }
  return fromCode(e.code, api, e.retryAfter);
}
