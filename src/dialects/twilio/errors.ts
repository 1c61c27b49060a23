// Core error codes -> Twilio's error bodies ({code, message, more_info, status}) and HTTP statuses.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OtpError, type ErrorCode } from '../../core/errors.js';
import { toOtpError } from '../../http/errors.js';

/** Twilio's error body; `detail` appears on some errors (20003). */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
  detail?: string;
}

/** An error already in Twilio's vocabulary: a specific Twilio code the core has no name for (60202, 60205, 20404 on a path). */
export class TwilioFault extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly opts: { retryAfter?: number; detail?: string } = {},
  ) {
    super(message);
    this.name = 'TwilioFault';
  }
}

/** 60200 for one named request parameter, in Twilio's wording. */
export function invalidParam(name: string, why?: string): OtpError {
  return new OtpError('invalid_request', why ? `Invalid parameter \`${name}\`: ${why}` : `Invalid parameter \`${name}\``, { fields: [{ field: name, detail: why ?? 'is invalid' }] });
}

// Replaced by the request's own path when answered.
const GENERIC_404 = 'The requested resource was not found';

/** 20404: an unknown sid, or a verification that is approved, expired or canceled (Twilio deletes those). */
export function notFound(): TwilioFault {
  return new TwilioFault(404, 20404, GENERIC_404);
}


// Core field names -> the Twilio parameter a client sent.
const PARAM: Record<string, string> = {
  to: 'To',
  channel: 'Channel',
  code: 'CustomCode',
  code_length: 'CodeLength',
  template_id: 'TemplateSid',
  locale: 'Locale',
  message: 'CustomMessage',
};

function param60200(e: OtpError, status = 400): TwilioFault {
  const f = e.fields?.[0]?.field;
  // Messages we wrote ourselves already carry Twilio's wording.
  if (e.message.startsWith('Invalid parameter')) return new TwilioFault(status, 60200, e.message);
  const name = f ? (PARAM[f] ?? f) : undefined;
  return new TwilioFault(status, 60200, name ? `Invalid parameter \`${name}\`: ${e.message}` : `Invalid parameter: ${e.message}`);
}

const text = (e: OtpError): string => [e.message, ...(e.fields ?? []).map((f) => `${f.field} ${f.detail}`)].join(' ');

/** The nearest Twilio error for each core code; the HTTP status is Twilio's for that error. */
const MAP: Record<ErrorCode, (e: OtpError) => TwilioFault> = {
  invalid_request: (e) => param60200(e),
  invalid_recipient: (e) => param60200(e.fields?.length ? e : new OtpError(e.code, e.message, { fields: [{ field: 'to', detail: e.message }] })),
  invalid_code: (e) => param60200(e),
  template_missing_code: (e) => param60200(e),
  idempotency_key_reused: (e) => param60200(e),
  unsupported_media_type: () => new TwilioFault(400, 60200, 'Invalid parameter: send the request body as application/x-www-form-urlencoded'),
  payload_too_large: () => new TwilioFault(413, 60200, 'Invalid parameter: the request body is too large'),
  channel_unavailable: (e) => new TwilioFault(400, 60223, `Delivery channel disabled: ${e.message}`),
  unauthorized: () => authFault(),
  forbidden: (e) => new TwilioFault(403, 20403, e.message),
  // Twilio answers a landline refused for SMS with 60205 and a country outside Geo Permissions with 60605.
  geo_not_allowed: (e) =>
    /landline|fixed[ _-]?line/i.test(text(e))
      ? new TwilioFault(400, 60205, 'SMS is not supported by landline phone number')
      : new TwilioFault(403, 60605, `Verification delivery attempt blocked by Geo Permissions: ${e.message}`),
  not_found: () => notFound(),
  verification_not_pending: () => notFound(),
  method_not_allowed: () => new TwilioFault(405, 20004, 'Method not allowed'),
  max_sends_reached: (e) => new TwilioFault(429, 60203, 'Max send attempts reached', { retryAfter: e.retryAfter }),
  // Twilio has no resend cooldown; a burst of sends to one number is its 60212.
  resend_cooldown: (e) => new TwilioFault(429, 60212, 'Too many concurrent requests for phone number', { retryAfter: e.retryAfter }),
  rate_limited: (e) => {
    const t = e.limit ?? text(e);
    if (/prefix|fraud|pumping/i.test(t)) return new TwilioFault(403, 60410, 'Verification delivery attempt blocked', { retryAfter: e.retryAfter });
    if (/\bsend/i.test(t)) return new TwilioFault(429, 60203, 'Max send attempts reached', { retryAfter: e.retryAfter });
    return new TwilioFault(429, 60212, 'Too many concurrent requests for phone number', { retryAfter: e.retryAfter });
  },
  store_unavailable: (e) => new TwilioFault(503, 20503, 'Service unavailable', { retryAfter: e.retryAfter }),
  internal: () => new TwilioFault(500, 20500, 'Internal server error'),
};

/** Twilio's authentication failure (20003). */
export function authFault(): TwilioFault {
  return new TwilioFault(401, 20003, 'Authenticate', { detail: 'Your AccountSid or AuthToken was incorrect.' });
}

/** Any thrown thing -> the Twilio fault to answer with. */
export function twilioFaultOf(err: unknown): TwilioFault {
  if (err instanceof TwilioFault) return err;
  return MAP[toOtpError(err).code](toOtpError(err));
}

/** The Twilio error body of a fault. */
export function errorBody(f: TwilioFault): TwilioErrorBody {
  return {
    code: f.code,
    message: f.message,
    more_info: `https://www.twilio.com/docs/errors/${f.code}`,
    status: f.status,
    ...(f.opts.detail ? { detail: f.opts.detail } : {}),
  };
}

/** The request path as Twilio words it in a 20404: relative to the mount point and to /v2. */
function resourcePath(req: FastifyRequest, prefix: string): string {
  let p = req.url.split('?')[0] ?? '/';
  if (prefix && p.startsWith(prefix)) p = p.slice(prefix.length);
  if (p.startsWith('/v2/')) p = p.slice(3);
  // Echo only sid-like path text: the path is attacker-chosen.
  return p.replace(/[^A-Za-z0-9/_.-]/g, '').slice(0, 200) || '/';
}

/** Fastify error handler for the dialect's scope: Twilio's shape always; 5xx are logged with their cause. */
export function sendTwilioError(err: unknown, req: FastifyRequest, reply: FastifyReply, prefix: string): FastifyReply {
  let f = twilioFaultOf(err);
  if (f.code === 20404 && f.message === GENERIC_404) f = new TwilioFault(404, 20404, `The requested resource ${resourcePath(req, prefix)} was not found`);
  if (f.status >= 500) {
    const e = err instanceof TwilioFault ? err : toOtpError(err);
    req.log.error({ err: (e as Error).cause ?? err, error_code: f.code }, 'request failed');
  }
  if (f.opts.retryAfter !== undefined) reply.header('retry-after', String(f.opts.retryAfter));
  if (f.status === 401) reply.header('www-authenticate', 'Basic realm="Twilio API"');
  return reply.code(f.status).type('application/json; charset=utf-8').send(errorBody(f));
}
