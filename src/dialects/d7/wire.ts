// D7 Verify v1 request fields, validated the way D7's FastAPI/pydantic service does (lax coercion, 422 lists), and its defaults.
import { POLICY_BOUNDS } from '../../core/policy.js';
import type { Channel, CodeType } from '../../core/types.js';
import { validation, type FieldIssue } from './errors.js';

/** D7's documented defaults for send-otp, declared once. */
export const D7_DEFAULTS = Object.freeze({
  channel: 'sms' as Channel,
  expiry: 600,
  dataCoding: 'text',
  retryDelay: 60,
  retryCount: 5,
  otpCodeLength: 6,
  otpType: 'numeric' as CodeType,
});

/** D7's placeholder for the code in `content`. */
export const PLACEHOLDER = '{}';

export interface SendOtpInput {
  recipient: string;
  originator?: string;
  /** The message with `{}` already turned into otpd's `{code}`. */
  message?: string;
  templateId?: string;
  channel: Channel;
  expiry: number;
  retryDelay: number;
  retryCount: number;
  codeLength: number;
  codeType: CodeType;
  successUrl?: string;
  failureUrl?: string;
}

type Body = Record<string, unknown>;

/** Collects pydantic-style issues while reading fields; `done()` throws them as one 422. */
class Reader {
  readonly issues: FieldIssue[] = [];
  constructor(private readonly body: Body) {}

  private issue(field: string, msg: string, type: string, ctx?: Record<string, unknown>): undefined {
    this.issues.push({ loc: ['body', field], msg, type, ...(ctx ? { ctx } : {}) });
    return undefined;
  }

  private raw(field: string, required: boolean): unknown {
    const v = this.body[field];
    if (v === undefined || (v === null && !required)) {
      if (required) this.issue(field, 'field required', 'value_error.missing');
      return undefined;
    }
    if (v === null) return this.issue(field, 'none is not an allowed value', 'type_error.none.not_allowed');
    return v;
  }

  /** A string; numbers are accepted and written out, as pydantic does for `str` fields. */
  str(field: string, o: { required?: boolean; max?: number } = {}): string | undefined {
    const v = this.raw(field, o.required ?? false);
    if (v === undefined) return undefined;
    let s: string;
    if (typeof v === 'string') s = v;
    else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
    else return this.issue(field, 'str type expected', 'type_error.str');
    if (o.max !== undefined && s.length > o.max) return this.issue(field, `ensure this value has at most ${o.max} characters`, 'value_error.any_str.max_length', { limit_value: o.max });
    return s;
  }

  /** An integer within bounds; integral numbers and digit strings ("600") are accepted, as pydantic does. */
  int(field: string, dflt: number, min: number, max: number): number {
    const v = this.raw(field, false);
    if (v === undefined) return dflt;
    let n: number;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string' && /^\s*[-+]?\d{1,9}\s*$/.test(v)) n = Number.parseInt(v, 10);
    else return this.issue(field, 'value is not a valid integer', 'type_error.integer') ?? dflt;
    if (n < min) return this.issue(field, `ensure this value is greater than or equal to ${min}`, 'value_error.number.not_ge', { limit_value: min }) ?? dflt;
    if (n > max) return this.issue(field, `ensure this value is less than or equal to ${max}`, 'value_error.number.not_le', { limit_value: max }) ?? dflt;
    return n;
  }

  /** One of `allowed` (compared case-insensitively), returned as written in `allowed`. */
  choice<T extends string>(field: string, allowed: readonly T[], dflt: T): T {
    const v = this.raw(field, false);
    if (v === undefined) return dflt;
    const hit = typeof v === 'string' ? allowed.find((a) => a.toLowerCase() === v.trim().toLowerCase()) : undefined;
    if (hit) return hit;
    const permitted = allowed.map((a) => `'${a}'`).join(', ');
    return this.issue(field, `value is not a valid enumeration member; permitted: ${permitted}`, 'type_error.enum', { enum_values: [...allowed] }) ?? dflt;
  }

  /** An absolute http(s) URL (a postback target). */
  url(field: string): string | undefined {
    const s = this.str(field, { max: 2048 });
    if (s === undefined || s.trim() === '') return undefined;
    let u: URL;
    try {
      u = new URL(s.trim());
    } catch {
      return this.issue(field, 'invalid or missing URL scheme', 'value_error.url.scheme');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      return this.issue(field, 'URL scheme not permitted', 'value_error.url.scheme', { allowed_schemes: ['http', 'https'] });
    }
    return u.toString();
  }

  fail(field: string, msg: string, type = 'value_error'): void {
    this.issue(field, msg, type);
  }

  done(): void {
    if (this.issues.length) throw validation(this.issues);
  }
}

/** The request body as an object, or FastAPI's 422 for a missing or non-object body. */
export function bodyOf(raw: unknown): Body {
  if (raw === undefined || raw === null) throw validation([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }]);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw validation([{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }]);
  return raw as Body;
}

/**
 * A recipient as D7 takes it (country code, `+` optional, `00` allowed) -> `+` and digits for the engine,
 * which then checks it is a real number.
 */
export function recipientOf(raw: string): string {
  const s = raw.trim().replace(/[\s().-]/g, '');
  if (s.startsWith('+')) return s;
  if (s.startsWith('00')) return `+${s.slice(2)}`;
  return `+${s}`;
}

/** Reads and checks a send-otp body. */
export function parseSendOtp(raw: unknown): SendOtpInput {
  const body = bodyOf(raw);
  const r = new Reader(body);
  // One D7 page spells the field `recipients`; accept it (a string, or a list of one) when `recipient` is absent.
  let recipient: string | undefined;
  if (body['recipient'] === undefined && body['recipients'] !== undefined) {
    const list = body['recipients'];
    const one = Array.isArray(list) ? (list.length === 1 ? list[0] : undefined) : list;
    recipient = new Reader({ recipients: one }).str('recipients');
    if (recipient === undefined) r.fail('recipients', 'give exactly one recipient number', 'value_error');
  } else {
    recipient = r.str('recipient', { required: true, max: 32 });
  }
  if (recipient !== undefined && !/^\s*(\+|00)?[\d\s().-]{4,31}$/.test(recipient)) {
    r.fail('recipient', 'value is not a valid phone number', 'value_error.phone');
    recipient = undefined;
  }
  const originator = r.str('originator', { max: 15 });
  if (originator !== undefined && /[^\d+]/.test(originator) && originator.length > 11) {
    r.fail('originator', 'ensure this value has at most 11 characters', 'value_error.any_str.max_length');
  }
  const content = r.str('content', { max: 1600 });
  if (content !== undefined && !content.includes(PLACEHOLDER)) r.fail('content', 'content must contain the {} placeholder for the OTP code');
  const templateId = r.str('template_id', { max: 64 });
  const channel = r.choice('channel', ['SMS', 'WhatsApp'] as const, 'SMS');
  r.choice('data_coding', ['text', 'unicode', 'auto'] as const, 'text');
  const expiry = r.int('expiry', D7_DEFAULTS.expiry, POLICY_BOUNDS.ttlSeconds.min, POLICY_BOUNDS.ttlSeconds.max);
  const retryDelay = r.int('retry_delay', D7_DEFAULTS.retryDelay, 0, 86_400);
  const retryCount = r.int('retry_count', D7_DEFAULTS.retryCount, 0, 100);
  const codeLength = r.int('otp_code_length', D7_DEFAULTS.otpCodeLength, POLICY_BOUNDS.codeLength.min, POLICY_BOUNDS.codeLength.max);
  const codeType = r.choice('otp_type', ['numeric', 'alpha', 'alphanumeric'] as const, D7_DEFAULTS.otpType);
  const successUrl = r.url('success_url');
  const failureUrl = r.url('failure_url');
  r.done();
  return {
    recipient: recipientOf(recipient!),
    ...(originator !== undefined && originator.trim() !== '' ? { originator: originator.trim() } : {}),
    ...(content !== undefined ? { message: content.split(PLACEHOLDER).join('{code}') } : {}),
    ...(templateId !== undefined ? { templateId: templateId.trim() } : {}),
    channel: channel === 'WhatsApp' ? 'whatsapp' : 'sms',
    expiry,
    retryDelay,
    retryCount,
    codeLength,
    codeType,
    ...(successUrl ? { successUrl } : {}),
    ...(failureUrl ? { failureUrl } : {}),
  };
}

/** Reads `{otp_id}` (resend) or `{otp_id, otp_code}` (verify). */
export function parseOtpRef(raw: unknown, withCode: boolean): { otpId: string; code: string } {
  const r = new Reader(bodyOf(raw));
  const otpId = r.str('otp_id', { required: true, max: 64 });
  const code = withCode ? r.str('otp_code', { required: true, max: 64 }) : '';
  r.done();
  return { otpId: otpId!, code: code ?? '' };
}
