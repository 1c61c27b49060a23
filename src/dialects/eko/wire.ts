// Eko's request fields for the three mobile-OTP calls (JSON, form or query), checked and normalised, and the success envelopes.
import { EKO, EkoError, type EkoEnvelope } from './errors.js';

/** response_type_id values: 1600 and 1604 are Eko's; 1605 is otpd's own for a valid token (Eko documents none). */
export const TYPE = { sent: 1600, verified: 1604, tokenValid: 1605 } as const;

/** Printable ASCII without spaces: Eko's ids are plain tokens; this keeps logs and state keys clean. */
const TOKEN = /^[\x21-\x7e]+$/;

interface Rule {
  required?: boolean;
  max: number;
  pattern?: RegExp;
  /** Eko's code for a malformed value, where it has one. */
  check?: (v: string) => { code: number; detail: string } | null;
}

type Fields<K extends string> = { [P in K]?: string };

/**
 * Reads `rules` from a body or query object. Eko's clients send strings, but its docs type
 * initiator_id as a number and JSON clients send OTPs and mobiles as numbers, so non-negative
 * integers are accepted as their decimal text. Unknown fields (csp_id, source, ...) are ignored.
 */
function read<K extends string>(input: unknown, rules: Record<K, Rule>): Fields<K> {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new EkoError(400, EKO.failure, 'The request body must be a JSON object or a form.', { invalidParams: { body: 'must be an object' } });
  }
  const src = input as Record<string, unknown>;
  const out: Fields<K> = {};
  const bad: Record<string, string> = {};
  // Eko's own code and text win when the first bad field has them (a malformed mobile: 140, 145).
  let lead: { code: number; detail: string } | null = null;
  for (const name of Object.keys(rules) as K[]) {
    const rule = rules[name];
    const raw = Object.hasOwn(src, name) ? src[name] : undefined;
    let v: string | undefined;
    if (typeof raw === 'string') v = raw.trim();
    else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) v = String(raw);
    else if (raw !== undefined && raw !== null) {
      bad[name] = 'must be a string';
      continue;
    }
    if (v === undefined || v === '') {
      if (rule.required) bad[name] = 'is required';
      continue;
    }
    if (v.length > rule.max) {
      bad[name] = `must be at most ${rule.max} characters`;
      continue;
    }
    const special = rule.check?.(v);
    if (special) {
      if (!Object.keys(bad).length) lead = special;
      bad[name] = special.detail;
      continue;
    }
    if (!(rule.pattern ?? TOKEN).test(v)) {
      bad[name] = 'has characters that are not allowed';
      continue;
    }
    out[name] = v;
  }
  const names = Object.keys(bad);
  if (names.length) {
    const all = `Invalid or missing parameter: ${names.map((n) => `${n} ${bad[n]}`).join('; ')}`;
    throw new EkoError(400, lead?.code ?? EKO.failure, lead?.detail ?? all, { invalidParams: bad });
  }
  return out;
}

const mobileRule: Rule = {
  required: true,
  max: 32,
  check: (v) =>
    !/^\d+$/.test(v)
      ? { code: EKO.mobileNumeric, detail: 'Mobile number should be numeric' }
      : v.length !== 10
        ? { code: EKO.mobileLength, detail: 'Mobile number should be 10 digit' }
        : null,
};

const initiatorRule: Rule = { required: true, max: 64 };
const refRule: Rule = { max: 64 };
const userCodeRule: Rule = { max: 64 };

export interface SendRequest {
  initiator_id: string;
  mobile: string;
  client_ref_id?: string;
  user_code?: string;
  intent_id: number;
}

/** POST /tools/kyc/mobile/otp */
export function readSend(body: unknown): SendRequest {
  const f = read(body, {
    initiator_id: initiatorRule,
    mobile: mobileRule,
    client_ref_id: refRule,
    user_code: userCodeRule,
    intent_id: { max: 6, pattern: /^\d{1,6}$/ },
  });
  return { initiator_id: f.initiator_id!, mobile: f.mobile!, client_ref_id: f.client_ref_id, user_code: f.user_code, intent_id: f.intent_id ? Number(f.intent_id) : 1 };
}

export interface VerifyRequest {
  initiator_id: string;
  mobile: string;
  otp: string;
  client_ref_id?: string;
  otp_ref_id?: string;
  user_code?: string;
}

/** PUT /tools/kyc/mobile/otp/verify */
export function readVerify(body: unknown): VerifyRequest {
  const f = read(body, {
    initiator_id: initiatorRule,
    mobile: mobileRule,
    otp: { required: true, max: 16, pattern: /^[A-Za-z0-9]+$/ },
    client_ref_id: refRule,
    otp_ref_id: refRule,
    user_code: userCodeRule,
  });
  return { initiator_id: f.initiator_id!, mobile: f.mobile!, otp: f.otp!, client_ref_id: f.client_ref_id, otp_ref_id: f.otp_ref_id, user_code: f.user_code };
}

export interface ValidateTokenRequest {
  initiator_id: string;
  otp_verification_token: string;
}

/** GET /tools/kyc/mobile/otp/validate-token?initiator_id=&otp_verification_token= */
export function readValidateToken(query: unknown): ValidateTokenRequest {
  const f = read(query, {
    initiator_id: initiatorRule,
    otp_verification_token: { required: true, max: 4096, pattern: /^[A-Za-z0-9_.-]+$/ },
  });
  return { initiator_id: f.initiator_id!, otp_verification_token: f.otp_verification_token! };
}

/** A success envelope in the field order of Eko's samples. */
export function success(typeId: number, message: string, data: Record<string, unknown>): EkoEnvelope {
  return { status: EKO.ok, response_status_id: EKO.ok, response_type_id: typeId, message, data };
}

/** Drops undefined members, so optional echoes (user_code) only appear when the client sent them. */
export function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
