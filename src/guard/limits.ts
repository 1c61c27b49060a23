// Abuse-protection defaults, declared once: rate limits, geo rules and the SMS-pumping detector.
import { OtpError } from '../core/errors.js';
import type { Channel } from '../core/types.js';

/** Rate limits; 0 turns one off. Windows are fixed (they start on the minute, hour or UTC day). */
export interface RateLimits {
  recipient_sends_per_10min: number;
  recipient_sends_per_hour: number;
  recipient_sends_per_day: number;
  /** Wrong codes per recipient per hour across all its verifications: rotating verifications does not reset it. */
  recipient_failed_checks_per_hour: number;
  /** Per end-user IP, when the app passes `client_ip`. */
  ip_creates_per_minute: number;
  ip_checks_per_minute: number;
  account_creates_per_second: number;
  account_creates_per_day: number;
}

export const DEFAULT_LIMITS: Readonly<RateLimits> = Object.freeze({
  recipient_sends_per_10min: 5,
  recipient_sends_per_hour: 10,
  recipient_sends_per_day: 20,
  recipient_failed_checks_per_hour: 15,
  ip_creates_per_minute: 10,
  ip_checks_per_minute: 30,
  account_creates_per_second: 200,
  account_creates_per_day: 1_000_000,
});

/** The SMS-pumping detector: per destination prefix, a send spike with collapsed conversion blocks the prefix. */
export interface PumpingRules {
  /** National digits after the country code that make a prefix (+44 7700… with 4 -> "+447700"). */
  prefix_digits: number;
  /** No verdict below this many sends to a prefix in the current hour; 0 turns the detector off. */
  min_sends: number;
  /** The hour's sends must exceed this multiple of the prefix's hourly average over the previous 24 h. */
  spike_factor: number;
  /** ...while approvals / sends in the hour stays below this. */
  min_conversion: number;
  /**
   * Sends younger than this are left out of the conversion figure: a real user needs a minute or two
   * to type the code, so a legitimate burst is not mistaken for an attack before it could convert.
   */
  conversion_grace_seconds: number;
  block_hours: number;
}

export const DEFAULT_PUMPING: Readonly<PumpingRules> = Object.freeze({
  prefix_digits: 3,
  min_sends: 50,
  spike_factor: 5,
  min_conversion: 0.2,
  conversion_grace_seconds: 180,
  block_hours: 12,
});

/** Number types refused for sms and voice by default: the ones that pay whoever owns the number. */
export const DEFAULT_BLOCKED_NUMBER_TYPES: readonly string[] = Object.freeze(['PREMIUM_RATE', 'SHARED_COST']);

/** An account's guard settings as stored; anything absent takes the installation default. */
export interface GuardOverrides {
  limits?: Partial<RateLimits>;
  /** Allowed countries (ISO 3166 alpha-2) per channel; absent or empty allows all. */
  countries?: Partial<Record<Channel, string[]>>;
  /** libphonenumber-js number types refused for sms and voice (e.g. PREMIUM_RATE, FIXED_LINE, VOIP). */
  blocked_number_types?: string[];
  pumping?: Partial<PumpingRules>;
}

/** Parses `name=value,name=value` against the keys of `defaults` (non-negative numbers). */
export function parseNumbers<T extends object>(spec: string, defaults: Readonly<T>, what: string): Partial<T> {
  const out: Record<string, number> = {};
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = pair.split('=').map((x) => x.trim()) as [string, string | undefined];
    if (!(k in defaults)) throw new OtpError('invalid_request', `unknown ${what} '${k}'; known: ${Object.keys(defaults).join(', ')}`);
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < 0) throw new OtpError('invalid_request', `${what} ${k} must be a number >= 0 (got '${v ?? ''}')`);
    out[k] = n;
  }
  return out as Partial<T>;
}
