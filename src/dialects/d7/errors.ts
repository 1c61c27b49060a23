// D7's error bodies, and the one mapping from otpd's core error codes (and Fastify's own errors) to them.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode, OtpError } from '../../core/errors.js';
import { toOtpError } from '../../http/errors.js';

/** One entry of FastAPI/pydantic's 422 `detail` list. */
export interface FieldIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
  ctx?: Record<string, unknown>;
}

/** A response in D7's shape, thrown by handlers and sent as is by the scope's error handler. */
export class D7Error extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    /** Seconds, sent as Retry-After (an otpd addition D7 clients ignore). */
    readonly retryAfter?: number,
  ) {
    super(`D7 error ${status}`);
    this.name = 'D7Error';
  }
}

const coded = (status: number, code: string, message: string, retryAfter?: number) => new D7Error(status, { detail: { code, message } }, retryAfter);

/** 401 for a missing, unknown or revoked token: D7's body for a token it cannot verify. */
export const unauthorized = () => coded(401, 'ACCESS_TOKEN_SIGNATURE_VERIFICATION_FAILED', 'Access token signature verification failed');

/** 404 of the report (and resend) endpoint for an otp_id this account never issued. */
export const otpNotFound = () => coded(404, 'MESSAGE_LOG_NOT_EXISTS', 'Given message otp id not exists in the system. Please Try Again!');

/** 400 of verify-otp when the OTP can no longer be approved (attempts spent, canceled, unknown). */
export const invalidOtp = () => coded(400, 'INVALID_OTP_CODE', 'Invalid OTP code or OTP code expired');

/** 422 in FastAPI's validation shape. */
export const validation = (issues: FieldIssue[]) => new D7Error(422, { detail: issues });

/** D7's resend refusal for a request inside the retry delay; `seconds` is the delay that applies. */
export const frequentResend = (seconds: number, retryAfter: number) =>
  new D7Error(400, { detail: `Frequent resend request, resend request need minimum ${seconds} seconds delay` }, retryAfter);

/** D7's resend refusal once the OTP has expired. */
export const resendExpired = () => new D7Error(400, { detail: 'Resend Failed. OTP time limit expired.' });

/** Resend refusals D7 does not document: the message follows the shape of its two documented ones. */
export const resendLimit = () => new D7Error(400, { detail: 'Resend Failed. OTP resend limit exceeded.' });
export const resendClosed = () => new D7Error(400, { detail: 'Resend Failed. OTP already verified or closed.' });

/** Core field names -> D7 request field names, for 422 `loc`. */
const FIELD: Record<string, string> = { to: 'recipient', code_length: 'otp_code_length', code_type: 'otp_type', ttl: 'expiry', sender: 'originator', message: 'content' };

function fieldIssues(e: OtpError, fallbackField: string | null, type: string): FieldIssue[] {
  if (e.fields?.length) return e.fields.map((f) => ({ loc: ['body', FIELD[f.field] ?? f.field], msg: f.detail, type }));
  return [{ loc: fallbackField ? ['body', fallbackField] : ['body'], msg: e.message, type }];
}

/** Every core error code -> D7's nearest response. Route-specific wording (resend) is chosen in the routes. */
export function fromOtpError(e: OtpError): D7Error {
  const code: ErrorCode = e.code;
  switch (code) {
    case 'invalid_request':
    case 'idempotency_key_reused':
      return validation(fieldIssues(e, null, 'value_error'));
    case 'invalid_recipient':
      return validation(fieldIssues(e, 'recipient', 'value_error.phone'));
    case 'template_missing_code':
      return validation(fieldIssues(e, 'content', 'value_error'));
    case 'channel_unavailable':
      return validation(fieldIssues(e, 'channel', 'value_error'));
    case 'unsupported_media_type':
      return validation([{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }]);
    case 'invalid_code':
      return invalidOtp();
    case 'not_found':
      return otpNotFound();
    case 'unauthorized':
      return unauthorized();
    case 'forbidden':
      return coded(403, 'ACCESS_DENIED', 'This access token is not allowed to perform this action.');
    case 'geo_not_allowed':
      return coded(403, 'DESTINATION_NOT_ALLOWED', 'Sending to this destination is not allowed for this account.');
    case 'resend_cooldown':
      return frequentResend(e.retryAfter ?? 60, e.retryAfter ?? 60);
    case 'max_sends_reached':
      return resendLimit();
    case 'rate_limited':
      return coded(429, 'TOO_MANY_REQUESTS', `Too many requests. Please try again after ${e.retryAfter ?? 60} seconds.`, e.retryAfter ?? 60);
    case 'verification_not_pending':
      return resendClosed();
    case 'payload_too_large':
      return new D7Error(413, { detail: 'Request Entity Too Large' });
    case 'method_not_allowed':
      return new D7Error(405, { detail: 'Method Not Allowed' });
    case 'store_unavailable':
      return new D7Error(503, { detail: 'Service Unavailable' }, e.retryAfter ?? 1);
    case 'internal':
      return new D7Error(500, { detail: 'Internal Server Error' });
  }
}

/** Sends a D7Error (retry-after included). */
export function sendD7(reply: FastifyReply, e: D7Error): FastifyReply {
  if (e.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(e.retryAfter))));
  if (e.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(e.status).type('application/json').send(e.body);
}

/** Installs the scope's error and not-found handlers: every response under the mount is in D7's shape. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | D7Error, req: FastifyRequest, reply: FastifyReply) => {
    const core = err instanceof D7Error ? null : toOtpError(err);
    const d7 = core ? fromOtpError(core) : (err as D7Error);
    // 5xx are logged with their cause; 4xx are the client's business, not noise.
    if (d7.status >= 500) req.log.error({ err: core?.cause ?? err, error_code: core?.code }, 'd7 request failed');
    return sendD7(reply, d7);
  });
  // FastAPI's own answer for an unknown path.
  app.setNotFoundHandler((_req, reply) => sendD7(reply, new D7Error(404, { detail: 'Not Found' })));
}
