// Field mapping between otpd records and Twilio's JSON: sids, channel names, statuses, dates, lookup, Service and Verification views.
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { Channel, SendRecord, VerificationRecord, VerificationStatus } from '../../core/types.js';
import { effectiveStatus } from '../../core/verification.js';
import { isoTime } from '../../core/iso-time.js';
import { attemptSid, verificationSid } from './ids.js';
import type { ServiceRecord } from './services.js';

/** Channels a client may ask for, as Twilio names them. */
export const TWILIO_CHANNELS = ['sms', 'call', 'email', 'whatsapp', 'sna', 'auto', 'rcs'] as const;
export type TwilioChannel = (typeof TWILIO_CHANNELS)[number];

/** Twilio's channel name for an otpd channel. */
export function twilioChannel(c: Channel): string {
  return c === 'voice' ? 'call' : c;
}

/** Twilio's date format: ISO 8601 in UTC, to the second (`2015-07-30T20:00:00Z`). */
export function isoDate(ms: number): string {
  return `${isoTime(ms).slice(0, -5)}Z`;
}

/** Metadata keys this dialect keeps on a verification: the owning service, PSD2 fields, custom-code flag. */
export const META = { service: 'twilio_service_sid', amount: 'twilio_amount', payee: 'twilio_payee', customCode: 'twilio_custom_code' } as const;

/** The line type Twilio's lookup reports, from libphonenumber's metadata (no carrier query is made). */
export function lineType(to: string): 'mobile' | 'landline' | 'voip' | null {
  if (!to.startsWith('+')) return null;
  try {
    switch (parsePhoneNumberWithError(to).getType()) {
      case 'MOBILE':
      case 'FIXED_LINE_OR_MOBILE':
        return 'mobile';
      case 'FIXED_LINE':
        return 'landline';
      case 'VOIP':
        return 'voip';
      default:
        return null;
    }
  } catch {
    return null;
  }
}

function lookupOf(r: VerificationRecord, enabled: boolean): Record<string, unknown> {
  if (!enabled) return {};
  return { carrier: { error_code: null, name: null, mobile_country_code: null, mobile_network_code: null, type: lineType(r.to) } };
}

/** Where the resources live as this client addresses them: scheme, host, mount prefix and /v2. */
export type BaseUrl = string;

export function serviceView(s: ServiceRecord, base: BaseUrl): Record<string, unknown> {
  const c = s.settings;
  const url = `${base}/Services/${s.sid}`;
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    friendly_name: c.friendlyName,
    code_length: c.codeLength,
    lookup_enabled: c.lookupEnabled,
    psd2_enabled: c.psd2Enabled,
    skip_sms_to_landlines: c.skipSmsToLandlines,
    dtmf_input_required: c.dtmfInputRequired,
    tts_name: c.ttsName,
    mailer_sid: null,
    do_not_share_warning_enabled: c.doNotShareWarningEnabled,
    custom_code_enabled: c.customCodeEnabled,
    push: { include_date: c.push.includeDate, apn_credential_sid: c.push.apnCredentialSid, fcm_credential_sid: c.push.fcmCredentialSid },
    totp: { issuer: c.totp.issuer ?? c.friendlyName, time_step: c.totp.timeStep, code_length: c.totp.codeLength, skew: c.totp.skew },
    default_template_sid: c.defaultTemplateSid,
    whatsapp: { msg_service_sid: c.whatsapp.msgServiceSid, from: c.whatsapp.from },
    passkeys: null,
    verify_event_subscription_enabled: c.verifyEventSubscriptionEnabled,
    date_created: isoDate(s.createdAt),
    date_updated: isoDate(s.updatedAt),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    },
  };
}

/** Twilio's status for a verification at `now` (a pending one past its expiry reads `expired`). */
export function twilioStatus(r: VerificationRecord, now: number): VerificationStatus {
  return effectiveStatus(r, now);
}

export function verificationView(
  r: VerificationRecord,
  sends: readonly SendRecord[],
  s: ServiceRecord,
  accountSid: string,
  base: BaseUrl,
  now: number,
): Record<string, unknown> {
  const sid = verificationSid(r.id);
  const status = twilioStatus(r, now);
  const last = sends.length ? sends[sends.length - 1]!.channel : r.channel;
  return {
    sid,
    service_sid: s.sid,
    account_sid: accountSid,
    to: r.to,
    // A later send on another channel (a create with a new Channel) is what Twilio reports.
    channel: twilioChannel(last),
    status,
    valid: status === 'approved',
    date_created: isoDate(r.createdAt),
    date_updated: isoDate(r.updatedAt),
    lookup: lookupOf(r, s.settings.lookupEnabled),
    amount: r.metadata?.[META.amount] ?? null,
    payee: r.metadata?.[META.payee] ?? null,
    send_code_attempts: sends.map((x) => ({ attempt_sid: attemptSid(r.id, x.id), channel: twilioChannel(x.channel), time: isoDate(x.createdAt) })),
    sna: null,
    url: `${base}/Services/${s.sid}/Verifications/${sid}`,
  };
}

/** A VerificationCheck resource: the verification's fields after the check, with Twilio's status. */
export function checkView(r: VerificationRecord, serviceSid: string, accountSid: string, now: number): Record<string, unknown> {
  const status = twilioStatus(r, now);
  return {
    sid: verificationSid(r.id),
    service_sid: serviceSid,
    account_sid: accountSid,
    to: r.to,
    channel: twilioChannel(r.channel),
    status,
    valid: status === 'approved',
    amount: r.metadata?.[META.amount] ?? null,
    payee: r.metadata?.[META.payee] ?? null,
    date_created: isoDate(r.createdAt),
    date_updated: isoDate(r.updatedAt),
    sna_attempts_error_codes: [],
  };
}
