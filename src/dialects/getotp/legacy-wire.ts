// The legacy GetOTP API (hosted OTP page) on the wire: the form fields of POST /api/verify/ and the status shape.
import { normaliseEmail, normalisePhone } from '../../core/recipient.js';
import { fail, type GetOtpCode } from './errors.js';
import { phoneToE164, MAX_PAYLOAD } from './wire.js';

export const LEGACY_CHANNELS = ['email', 'sms', 'voice'] as const;
export type LegacyChannel = (typeof LEGACY_CHANNELS)[number];
/** The form field that carries each channel's recipient. */
export const RECIPIENT_FIELD: Record<LegacyChannel, 'email' | 'phone_sms' | 'phone_voice'> = { email: 'email', sms: 'phone_sms', voice: 'phone_voice' };
export const LEGACY_LANGS = ['en', 'ja', 'ko', 'es', 'fr'] as const;
const MAX_URL = 2048;

export interface LegacyCreate {
  channels: LegacyChannel[];
  /** Recipients given by the app, normalised; a channel without one lets the user type it on the page. */
  recipients: Partial<Record<LegacyChannel, string>>;
  successUrl: string;
  failUrl: string;
  callbackUrl: string | null;
  metadata: string | null;
  captcha: boolean;
  hide: boolean;
  lang: string;
}

/** A form field's value: repeated fields keep the first, numbers and booleans (flat JSON) become text. */
function field(body: Record<string, unknown>, name: string): string | undefined {
  let v = body[name];
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'string' ? v : undefined;
}

function urlOf(raw: string | undefined, code: GetOtpCode, required: boolean): string | null {
  if (raw === undefined || raw.trim() === '') {
    if (required) throw fail(code);
    return null;
  }
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw fail(code);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || raw.length > MAX_URL) throw fail(code);
  return u.toString();
}

function flag(raw: string | undefined, dflt: boolean): boolean {
  const v = raw?.trim().toLowerCase();
  return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : dflt;
}

/** A recipient as the user or the app typed it, normalised for the channel; bad input is GetOTP's 1523. */
export function legacyRecipient(channel: LegacyChannel, raw: string): string {
  try {
    return channel === 'email' ? normaliseEmail(raw) : normalisePhone(phoneToE164(raw.replace(/[\s().-]/g, '')));
  } catch {
    throw fail('1523');
  }
}

/** Validates the fields of a legacy create (form-encoded, multipart or flat JSON). */
export function parseLegacyCreate(body: unknown): LegacyCreate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('1900', 'Send the fields as a form (or a flat JSON object).');
  const b = body as Record<string, unknown>;
  const names = (field(b, 'channel') ?? '')
    .split(',')
    .map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase())
    .filter((c) => c !== '');
  if (names.length === 0 || names.some((c) => !(LEGACY_CHANNELS as readonly string[]).includes(c))) throw fail('1515');
  const channels = [...new Set(names)] as LegacyChannel[];
  const recipients: Partial<Record<LegacyChannel, string>> = {};
  for (const c of channels) {
    const raw = field(b, RECIPIENT_FIELD[c]);
    if (raw !== undefined && raw.trim() !== '') recipients[c] = legacyRecipient(c, raw.trim());
  }
  const successUrl = urlOf(field(b, 'success_redirect_url'), '1910', true)!;
  const failUrl = urlOf(field(b, 'fail_redirect_url'), '1911', true)!;
  const callbackUrl = urlOf(field(b, 'callback_url'), '1912', false);
  const metadata = field(b, 'metadata') ?? null;
  if (metadata !== null && metadata.length > MAX_PAYLOAD) throw fail('1705');
  const lang = field(b, 'lang')?.trim().toLowerCase() ?? 'en';
  return {
    channels,
    recipients,
    successUrl,
    failUrl,
    callbackUrl,
    metadata,
    captcha: flag(field(b, 'captcha'), true),
    hide: flag(field(b, 'hide'), false),
    lang: (LEGACY_LANGS as readonly string[]).includes(lang) ? lang : 'en',
  };
}

/** `2021-07-07T08:26:41.952690Z`: GetOTP's legacy timestamps carry microseconds. */
export function legacyTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
