// Geo permissions: the destination's country and number type (libphonenumber-js) against the account's rules.
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { OtpError } from '../core/errors.js';
import type { Channel } from '../core/types.js';

export interface PhoneFacts {
  country: string | null;
  callingCode: string;
  national: string;
  type: string | null;
}

/** Recently seen numbers: a create and its check ask about the same number, and parsing with full metadata is not free. */
const recent = new Map<string, PhoneFacts | null>();
const RECENT_MAX = 5_000;

/** Country, calling code, national digits and number type of an E.164 number; null for email addresses. */
export function phoneFacts(e164: string): PhoneFacts | null {
  if (!e164.startsWith('+')) return null;
  const hit = recent.get(e164);
  if (hit !== undefined) return hit;
  let facts: PhoneFacts | null;
  try {
    const p = parsePhoneNumberWithError(e164);
    facts = { country: p.country ?? null, callingCode: p.countryCallingCode, national: p.nationalNumber, type: p.getType() ?? null };
  } catch {
    facts = null;
  }
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
  recent.set(e164, facts);
  return facts;
}

/** Throws 403 geo_not_allowed when the channel's allow list excludes the country, or the number type is refused. */
export function checkGeo(facts: PhoneFacts, channel: Channel, allowed: string[] | undefined, blockedTypes: readonly string[]): void {
  if (allowed && allowed.length && !(facts.country && allowed.includes(facts.country))) {
    throw new OtpError('geo_not_allowed', `Sending ${channel} to ${facts.country ?? `+${facts.callingCode}`} numbers is not enabled for this account.`, {
      fields: [{ field: 'to', detail: `country ${facts.country ?? 'unknown'} is not in the ${channel} allow list` }],
    });
  }
  if ((channel === 'sms' || channel === 'voice') && facts.type && blockedTypes.includes(facts.type)) {
    throw new OtpError('geo_not_allowed', `This is a ${facts.type.toLowerCase().replace(/_/g, '-')} number; codes are not sent to such numbers by ${channel}.`, {
      fields: [{ field: 'to', detail: `number type ${facts.type} is refused for ${channel}` }],
    });
  }
}
