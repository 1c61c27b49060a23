// Geo permissions: the destination's country and number type (libphonenumber-js) against the account's rules.
import { OtpError } from '../core/errors.js';
import type { PhoneFacts } from '../core/recipient.js';
import type { Channel } from '../core/types.js';

export { phoneFacts, type PhoneFacts } from '../core/recipient.js';

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
