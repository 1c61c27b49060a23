// Request bodies of the three endpoints: JSON parsing and field checks with SNAP's field-named errors.
import { normalisePhone } from '../../core/recipient.js';
import { badRequest, invalidFormat, missingField, type ServiceCode } from './codes.js';

type Body = Record<string, unknown>;

/** Control characters would be stored in keys (and PostgreSQL refuses NUL): no field may carry them. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The body as a JSON object; an empty body reads as {} so the first mandatory field is what gets named. */
export function parseBody(raw: string, service: ServiceCode): Body {
  if (raw.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw badRequest(service, 'The body is not valid JSON.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest(service, 'The body must be a JSON object.');
  return v as Body;
}

/** A mandatory string field of at most `max` characters; `aliases` are other spellings Finpay's docs use. */
function text(body: Body, name: string, max: number, service: ServiceCode, aliases: string[] = []): string {
  let v = body[name];
  for (const a of aliases) if (v === undefined || v === null) v = body[a];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) throw missingField(service, name);
  if (typeof v !== 'string' || v.length > max || CONTROL.test(v)) throw invalidFormat(service, name);
  return v;
}

/** The token request body: `{"grantType":"client_credentials"}`. */
export function tokenBody(body: Body, service: ServiceCode): void {
  if (text(body, 'grantType', 18, service) !== 'client_credentials') throw invalidFormat(service, 'grantType');
}

export interface CreationRequest {
  partnerReferenceNo: string;
  /** E.164, as otpd stores and answers it. */
  phoneNo: string;
}

/** Account Creation (service 06): partnerReferenceNo (1–64), phoneNo (1–16), name (1–128). */
export function creationBody(body: Body, service: ServiceCode): CreationRequest {
  const partnerReferenceNo = text(body, 'partnerReferenceNo', 64, service);
  const phone = text(body, 'phoneNo', 16, service);
  // Mandatory in Finpay's table; otpd checks it and keeps no copy (it is not needed to verify a phone).
  text(body, 'name', 128, service);
  return { partnerReferenceNo, phoneNo: toE164(phone, service) };
}

/**
 * An Indonesian client writes 0812…, 62812… or +62812…; otpd needs E.164. A national number (leading 0)
 * is read as Indonesian, since Finpay serves Indonesian numbers.
 */
export function toE164(raw: string, service: ServiceCode): string {
  const s = raw.replace(/[\s-]/g, '');
  let e164: string;
  if (/^\+\d{6,15}$/.test(s)) e164 = s;
  else if (/^62\d{6,14}$/.test(s)) e164 = `+${s}`;
  else if (/^0\d{6,14}$/.test(s)) e164 = `+62${s.slice(1)}`;
  else throw invalidFormat(service, 'phoneNo');
  try {
    return normalisePhone(e164);
  } catch {
    throw invalidFormat(service, 'phoneNo');
  }
}

/** The table says "otpLinkage"; the sample request sends "otpCreation". Both mean this verification. */
export const ACTIONS = ['otpLinkage', 'otpCreation'] as const;

export interface VerificationRequest {
  originalPartnerReferenceNo: string;
  action: (typeof ACTIONS)[number];
  otp: string;
}

/** Verify OTP (service 04): originalPartnerReferenceNo (1–64), action (otpLinkage | otpCreation), otp (1–8). */
export function verificationBody(body: Body, service: ServiceCode): VerificationRequest {
  // The sample response says partnerReferenceNo where the table says originalPartnerReferenceNo: accept it too.
  const originalPartnerReferenceNo = text(body, 'originalPartnerReferenceNo', 64, service, ['partnerReferenceNo']);
  // The table caps action at 10 characters, yet its own sample "otpCreation" has 11: the allow-list is the bound.
  const action = text(body, 'action', 16, service);
  if (!(ACTIONS as readonly string[]).includes(action)) throw invalidFormat(service, 'action');
  const otp = text(body, 'otp', 8, service);
  if (!/^[A-Za-z0-9]+$/.test(otp)) throw invalidFormat(service, 'otp');
  return { originalPartnerReferenceNo, action: action as VerificationRequest['action'], otp };
}
