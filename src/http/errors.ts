// ErrorCode -> HTTP status and RFC 9457 problem+json; Fastify's own errors are translated too.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OtpError, type ErrorCode, type FieldError } from '../core/errors.js';

export const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_recipient: 400,
  invalid_code: 400,
  template_missing_code: 400,
  unauthorized: 401,
  forbidden: 403,
  geo_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  verification_not_pending: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  channel_unavailable: 422,
  idempotency_key_reused: 422,
  resend_cooldown: 429,
  max_sends_reached: 429,
  rate_limited: 429,
  internal: 500,
  store_unavailable: 503,
};

const TITLES: Record<ErrorCode, string> = {
  invalid_request: 'Invalid request',
  invalid_recipient: 'Invalid recipient',
  invalid_code: 'Invalid code',
  template_missing_code: 'Template is missing {code}',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  geo_not_allowed: 'Destination not allowed',
  rate_limited: 'Rate limited',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  verification_not_pending: 'Verification is not pending',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  channel_unavailable: 'Channel unavailable',
  idempotency_key_reused: 'Idempotency key reused',
  resend_cooldown: 'Resend cooldown',
  max_sends_reached: 'Maximum sends reached',
  internal: 'Internal error',
  store_unavailable: 'Store unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: Array<FieldError & { pointer: string }>;
  limit?: string;
}

export function problemOf(e: OtpError): Problem {
  const p: Problem = { type: `urn:otpd:problem:${e.code}`, title: TITLES[e.code], status: STATUS[e.code], detail: e.message, code: e.code };
  if (e.fields?.length) p.errors = e.fields.map((f) => ({ ...f, pointer: `#/${f.field.replace(/\./g, '/')}` }));
  if (e.limit) p.limit = e.limit;
  return p;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Fastify/ajv validation output -> one field error per bad field. */
function fieldsOf(validation: AjvError[], context: string | undefined): FieldError[] {
  return validation.map((v) => {
    let path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const extra = (v.params['missingProperty'] ?? v.params['additionalProperty']) as string | undefined;
    if (extra) path = path ? `${path}.${extra}` : extra;
    const detail = v.keyword === 'additionalProperties' ? 'is not a known field' : (v.message ?? 'is invalid');
    return { field: path || (context ?? 'body'), detail };
  });
}

/** Any thrown thing -> OtpError, so every response on every binding has a stable code. */
export function toOtpError(err: unknown): OtpError {
  if (err instanceof OtpError) return err;
  const e = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (e?.validation) {
    const fields = fieldsOf(e.validation, e.validationContext);
    return new OtpError('invalid_request', `The request ${e.validationContext ?? 'body'} is invalid: ${fields.map((f) => `${f.field} ${f.detail}`).join('; ')}.`, { fields });
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OtpError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OtpError('unsupported_media_type', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new OtpError('invalid_request', 'The body is empty but Content-Type is application/json; send {} or drop the header.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new OtpError('invalid_request', 'The request body is not valid JSON.');
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_IOERR':
    case 'SQLITE_FULL':
    case 'SQLITE_CANTOPEN':
      return new OtpError('store_unavailable', 'The database is busy or unavailable; retry shortly.', { retryAfter: 1 });
  }
  if (e instanceof SyntaxError) return new OtpError('invalid_request', 'The request body is not valid JSON.');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new OtpError('invalid_request', e.message);
  }
  return new OtpError('internal', 'An unexpected error occurred.', { cause: err });
}

/** Fastify error handler: problem+json always; 5xx are logged with their cause, 4xx are not noise. */
export function sendProblem(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toOtpError(err);
  const p = problemOf(e);
  if (p.status >= 500) req.log.error({ err: e.cause ?? err, error_code: e.code }, 'request failed');
  if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
  if (p.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(p.status).type('application/problem+json').send(p);
}
