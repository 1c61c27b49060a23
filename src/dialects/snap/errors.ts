// Core error codes -> SNAP response codes, and the scope's error and not-found handlers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OtpError, type ErrorCode } from '../../core/errors.js';
import { toOtpError } from '../../http/errors.js';
import { activityLimit, badRequest, SERVICE, SnapError, unauthorized, type ServiceCode } from './codes.js';
import { ROUTES } from './paths.js';

/** The nearest SNAP answer to each core error; `service` is the endpoint's service code. */
const MAP: Record<ErrorCode, (e: OtpError, service: ServiceCode) => SnapError> = {
  invalid_request: (e, s) => badRequest(s, e.message),
  invalid_recipient: (_e, s) => new SnapError(400, s, '01', 'Invalid field format {phoneNo}'),
  invalid_code: (_e, s) => new SnapError(400, s, '01', 'Invalid field format {otp}'),
  template_missing_code: (_e, s) => new SnapError(500, s, '00', 'General error'),
  unauthorized: (e, s) => unauthorized(s, e.message),
  // SNAP's "Feature not allowed" is the closest to "you may not do this" in Finpay's tables.
  forbidden: (_e, s) => new SnapError(403, s, '01', 'Feature not allowed'),
  geo_not_allowed: (_e, s) => new SnapError(403, s, '01', 'Feature not allowed [Destination not allowed]'),
  channel_unavailable: (_e, s) => new SnapError(403, s, '01', 'Feature not allowed [SMS delivery is not configured]'),
  not_found: (_e, s) => new SnapError(404, s, '01', 'Transaction not found'),
  method_not_allowed: (_e, s) => new SnapError(405, s, '00', 'Method not allowed'),
  verification_not_pending: (e, s) => new SnapError(409, s, '00', `Conflict [${e.message}]`),
  idempotency_key_reused: (_e, s) => new SnapError(409, s, '00', 'Conflict'),
  payload_too_large: (_e, s) => badRequest(s, 'The request body is too large.'),
  unsupported_media_type: (_e, s) => badRequest(s, 'Send the body as application/json.'),
  // A wait is "too many requests"; a spent budget is SNAP's "activity count limit".
  resend_cooldown: (e, s) => new SnapError(429, s, '00', 'Too many requests', { retryAfter: e.retryAfter }),
  rate_limited: (e, s) => new SnapError(429, s, '00', 'Too many requests', { retryAfter: e.retryAfter }),
  max_sends_reached: (_e, s) => activityLimit(s),
  internal: (_e, s) => new SnapError(500, s, '00', 'General error'),
  // HTTP stays 503 (retryable outage, as everywhere in otpd); the code is SNAP's "Timeout", which
  // Finpay clients already treat as "outcome unknown, try again".
  store_unavailable: (e, s) => new SnapError(503, s, '00', 'Timeout', { codeStatus: 504, retryAfter: e.retryAfter ?? 1 }),
};

/** Any thrown thing -> a SnapError for the endpoint `service`. */
export function toSnapError(err: unknown, service: ServiceCode): SnapError {
  if (err instanceof SnapError) return err;
  const e = toOtpError(err);
  return MAP[e.code](e, service);
}

/** The service code of the endpoint a URL names (relative to the mount point or not). */
export function serviceOf(url: string): ServiceCode {
  const path = url.split('?')[0] ?? '';
  for (const r of ROUTES) if (path.endsWith(r.path)) return r.service;
  return SERVICE.none;
}

/** Writes a SnapError; 5xx are logged with their cause (never a header, token or code). */
export function sendSnap(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const service = serviceOf(req.url);
  const e = toSnapError(err, service);
  if (e.status >= 500) req.log.error({ err: err instanceof SnapError ? undefined : ((err as { cause?: unknown })?.cause ?? err), snap_code: e.responseCode }, 'snap request failed');
  if (e.opts.retryAfter !== undefined) reply.header('retry-after', String(e.opts.retryAfter));
  return reply.code(e.status).type('application/json').send(e.body);
}

/** Every error and unknown path inside the scope answers in SNAP's shape. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => sendSnap(req, reply, err));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const known = ROUTES.some((r) => path.endsWith(r.path));
    // A known path with another method is a wrong method, not a missing route.
    const err = known ? new OtpError('method_not_allowed', `Use POST for ${path}.`) : new SnapError(404, SERVICE.none, '00', 'Not found [Unknown path]');
    return sendSnap(req, reply, err);
  });
}
