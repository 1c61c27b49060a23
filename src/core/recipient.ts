// Recipient normalisation: E.164 phone numbers (libphonenumber-js) and email addresses.
import { parsePhoneNumberWithError, type PhoneNumber } from 'libphonenumber-js/max';
import { OtpError } from './errors.js';
import type { Channel } from './types.js';

// Deliberately simple: one @, no spaces, a dotted domain. Deliverability is the SMTP server's call.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** Canonical E.164 form of `raw`, or `invalid_recipient`. A number without a leading + is refused. */
export function normalisePhone(raw: string): string {
  const s = raw.trim();
  if (!s.startsWith('+')) {
    throw new OtpError('invalid_recipient', 'Phone numbers must be in E.164 format with a leading + and country code.', {
      fields: [{ field: 'to', detail: 'must start with + and a country code, e.g. +14155550123' }],
    });
  }
  try {
    const p = parsePhoneNumberWithError(s);
    // With the full metadata isValid() is getType() !== undefined, and the guard needs the type next:
    // work it out once (isValid() stays the judge for a numbering plan without types).
    const type = p.getType();
    if (type === undefined && !p.isValid()) throw new Error('not a valid number');
    remember(p.number, p, type ?? null);
    return p.number;
  } catch {
    throw new OtpError('invalid_recipient', `'${s.slice(0, 32)}' is not a valid phone number.`, {
      fields: [{ field: 'to', detail: 'is not a valid phone number' }],
    });
  }
}

export interface PhoneFacts {
  country: string | null;
  callingCode: string;
  national: string;
  /** libphonenumber-js number type (MOBILE, PREMIUM_RATE, …), worked out on first use: it is the costly part. */
  readonly type: string | null;
}

/**
 * Numbers seen lately: normalising a number and guarding its send (and its check) parse it once.
 * Two generations of up to GENERATION numbers each: when the young one is full it becomes the old one
 * and the old one is dropped whole. A single map that evicted its oldest entry on every insert cost 2 %
 * of the event loop under load: V8 rebuilt its 5,000-entry table (a large object) each time deleted
 * entries filled it, and every rebuild left the old table as garbage for a full collection.
 */
let young = new Map<string, PhoneFacts | null>();
let old = new Map<string, PhoneFacts | null>();
const GENERATION = 2_500;

function remember(e164: string, p: PhoneNumber | null, knownType?: string | null): PhoneFacts | null {
  let facts: PhoneFacts | null = null;
  if (p && knownType !== undefined) {
    // Plain facts, not the parsed number: the cache turns over thousands of entries a second under
    // load, and each entry outlives the young generation, so whatever it holds ends up old garbage.
    facts = { country: p.country ?? null, callingCode: p.countryCallingCode, national: p.nationalNumber, type: knownType };
  } else if (p) {
    let type: string | null | undefined;
    facts = {
      country: p.country ?? null,
      callingCode: p.countryCallingCode,
      national: p.nationalNumber,
      get type() {
        if (type === undefined) type = p.getType() ?? null;
        return type;
      },
    };
  }
  if (young.size >= GENERATION) {
    old = young;
    young = new Map();
  }
  young.set(e164, facts);
  return facts;
}

/** Country, calling code, national digits and number type of an E.164 number; null for email addresses. */
export function phoneFacts(e164: string): PhoneFacts | null {
  if (!e164.startsWith('+')) return null;
  // Not `??`: a number known to be invalid is cached as null.
  let hit = young.get(e164);
  if (hit === undefined) hit = old.get(e164);
  if (hit !== undefined) return hit;
  try {
    return remember(e164, parsePhoneNumberWithError(e164));
  } catch {
    return remember(e164, null);
  }
}

/** Lower-cased email address, or `invalid_recipient`. */
export function normaliseEmail(raw: string): string {
  const s = raw.trim();
  // Control characters (NUL above all) are not part of any address, and could not be stored.
  if (s.length > 254 || !EMAIL.test(s) || /[\u0000-\u001f\u007f]/.test(s)) {
    throw new OtpError('invalid_recipient', 'That is not a valid email address.', {
      fields: [{ field: 'to', detail: 'is not a valid email address' }],
    });
  }
  return s.toLowerCase();
}

/** Normalises `to` for `channel`: email for email, phone for sms/voice/whatsapp, either for webhook/console. */
export function normaliseRecipient(raw: string, channel: Channel): string {
  if (channel === 'email') return normaliseEmail(raw);
  if (channel === 'webhook' || channel === 'console') return raw.includes('@') ? normaliseEmail(raw) : normalisePhone(raw);
  return normalisePhone(raw);
}

/** Normalises a `to` whose channel is not known (check by recipient). */
export function normaliseAnyRecipient(raw: string): string {
  return raw.includes('@') ? normaliseEmail(raw) : normalisePhone(raw);
}
