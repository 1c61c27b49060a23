// Eko's error shape: core error codes and Fastify errors -> an HTTP status plus Eko's {status, message, ...} envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OtpError, type ErrorCode } from '../../core/errors.js';
import { STATUS, toOtpError } from '../../http/errors.js';

/**
 * Eko's numeric codes that otpd answers with (eps.eko.in error-codes table). Where Eko documents
 * no code for a case, the generic failure code 1 is used and the message and HTTP status tell the cases apart.
 */
export const EKO = {
  ok: 0,
  failure: 1,
  mobileLength: 140,
  mobileNumeric: 145,
  wrongOtp: 302,
  otpExpired: 303,
  invalidInitiator: 319,
} as const;

export const MESSAGES = {
  wrongOtp: 'Wrong OTP',
  otpExpired: 'OTP expired',
  attemptsExhausted: 'OTP expired: too many wrong attempts. Please make the OTP request again.',
  otpNotFound: 'OTP not found. Please make the OTP request again.',
  invalidInitiator: 'Invalid Sender/Initiator',
} as const;

/** A failure already in Eko's terms: the HTTP status, Eko's code, and the fields at fault. */
export class EkoError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly ekoCode: number,
    message: string,
    readonly opts: { invalidParams?: Record<string, string>; retryAfter?: number; data?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'EkoError';
  }
}

/** Eko's response envelope; a failure carries its code in status, response_status_id and response_type_id alike. */
export interface EkoEnvelope {
  status: number;
  response_status_id: number;
  response_type_id: number;
  message: string;
  data: Record<string, unknown>;
  invalid_params?: Record<string, string>;
}

/** Eko's envelope for a failure with `code`; invalid_params only when fields are named. */
export function failureBody(code: number, message: string, data: Record<string, unknown> = {}, invalidParams?: Record<string, string>): EkoEnvelope {
  const body: EkoEnvelope = { status: code, response_status_id: code, response_type_id: code, message, data };
  if (invalidParams && Object.keys(invalidParams).length) body.invalid_params = invalidParams;
  return body;
}

// Messages for the core codes whose own text would not help an Eko client.
const CORE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  unsupported_media_type: 'Unsupported Content-Type: send application/json or application/x-www-form-urlencoded.',
  payload_too_large: 'The request body is too large.',
  internal: 'Internal error. Please try again.',
  geo_not_allowed: 'OTP cannot be sent to this mobile number.',
};

/** A core error in Eko's terms. HTTP statuses follow otpd's table, except auth failures, which Eko answers with 403. */
export function fromCore(e: OtpError): EkoError {
  const http = e.code === 'unauthorized' ? 403 : STATUS[e.code];
  const invalidParams = e.fields?.length ? Object.fromEntries(e.fields.map((f) => [f.field, f.detail])) : undefined;
  return new EkoError(http, EKO.failure, CORE_MESSAGES[e.code] ?? e.message, { invalidParams, retryAfter: e.retryAfter, cause: e });
}

/** Any thrown thing -> EkoError. */
export function toEkoError(err: unknown): EkoError {
  if (err instanceof EkoError) return err;
  return fromCore(toOtpError(err));
}

/** Writes an Eko failure; 5xx are logged with their cause (never with request headers or bodies). */
export function sendEkoError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toEkoError(err);
  if (e.httpStatus >= 500) {
    const cause = e.opts.cause instanceof OtpError ? (e.opts.cause.cause ?? e.opts.cause) : (e.opts.cause ?? err);
    req.log.error({ err: cause, dialect: 'eko' }, 'request failed');
  }
  if (e.opts.retryAfter !== undefined) reply.header('retry-after', String(e.opts.retryAfter));
  return reply.code(e.httpStatus).type('application/json; charset=utf-8').send(failureBody(e.ekoCode, e.message, e.opts.data ?? {}, e.opts.invalidParams));
}

/** Error and not-found handlers for the dialect's scope, so nothing it answers is problem+json. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => sendEkoError(err, req, reply));
  app.setNotFoundHandler((req, reply) =>
    sendEkoError(new EkoError(404, EKO.failure, `No such API: ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}. Check the request URL.`), req, reply),
  );
}
