// The current GetOTP API on the wire: the `{data: {...}}` create body, the verify query, and the response shapes.
import type { VerificationRecord } from '../../core/types.js';
import { isoTime } from '../../core/iso-time.js';
import { fail } from './errors.js';
import { messageIdOf, prefixedIdToUuid } from './ids.js';
import { templateIdOf } from './templates.js';

/** The channels GetOTP clients send; `voice` and `whatsapp` appear in GetOTP's errors and in its clients' code. */
export const GETOTP_CHANNELS = ['sms', 'voice', 'whatsapp', 'email'] as const;
export type GetOtpChannel = (typeof GETOTP_CHANNELS)[number];

const CODE_LENGTH = { min: 4, max: 8 };
/** As the native API: the payload is echoed in event webhooks, so it stays small. */
export const MAX_PAYLOAD = 4096;
const MAX_SENDER = 64;
const MAX_EMAIL = 320;

export interface CreateRequest {
  channel: GetOtpChannel;
  /** E.164 with '+' for phone channels, an address for email. */
  to: string;
  sender: string;
  templateId: string;
  code?: string;
  codeLength?: number;
  payload?: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** GetOTP's phone form (country code and digits, no '+') -> E.164; a leading '+' is tolerated. */
export function phoneToE164(raw: unknown): string {
  const s = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof s !== 'string') throw fail('1523');
  const digits = s.trim().replace(/^\+/, '');
  if (!/^\d{6,15}$/.test(digits)) throw fail('1523');
  return `+${digits}`;
}

function channelOf(raw: unknown): GetOtpChannel {
  const c = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (!(GETOTP_CHANNELS as readonly string[]).includes(c)) throw fail('1515');
  return c as GetOtpChannel;
}

function recipientOf(d: Record<string, unknown>, channel: GetOtpChannel): string {
  if (channel === 'email') {
    // GetOTP documents only `phone`; clients of its email channel send `email`.
    const raw = given(d['email']) ? d['email'] : d['phone'];
    if (!given(raw) || raw === '') throw fail('1621', "'email' is missing");
    if (typeof raw !== 'string' || raw.length > MAX_EMAIL || !raw.includes('@')) throw fail('1523');
    return raw.trim();
  }
  if (!given(d['phone']) || d['phone'] === '') throw fail('1621');
  return phoneToE164(d['phone']);
}

function codeLengthOf(raw: unknown): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,2}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < CODE_LENGTH.min || n > CODE_LENGTH.max) throw fail('1623');
  return n;
}

function customCodeOf(raw: unknown): string {
  const s = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
  if (typeof s !== 'string' || !/^\d+$/.test(s)) throw fail('1632');
  if (s.length < CODE_LENGTH.min || s.length > CODE_LENGTH.max) throw fail('1631');
  return s;
}

/** Validates a create body field by field, in the order of GetOTP's error table, so the first problem gets its own code. */
export function parseCreate(body: unknown): CreateRequest {
  if (!isPlainObject(body)) throw fail('1900', 'The body must be a JSON object: {"data": {...}}.');
  const data = body['data'] ?? {};
  if (!isPlainObject(data)) throw fail('1900', "'data' must be a JSON object.");
  const channel = channelOf(data['channel']);
  const sender = data['sender'];
  if (typeof sender !== 'string' || sender.trim() === '' || sender.length > MAX_SENDER) throw fail('1620');
  const to = recipientOf(data, channel);
  const templateId = templateIdOf(data['template']);
  const hasCode = given(data['code']);
  const hasLength = given(data['code_length']);
  if (hasCode === hasLength) throw fail('1629');
  const req: CreateRequest = { channel, to, sender: sender.trim(), templateId };
  if (hasLength) req.codeLength = codeLengthOf(data['code_length']);
  else req.code = customCodeOf(data['code']);
  const payload = data['payload'];
  if (given(payload)) {
    if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD) throw fail('1705');
    req.payload = payload;
  }
  return req;
}

/** The verify query `?code=&phone=`; phone is checked like a create's, the code is handed to the engine as typed. */
export function parseVerifyQuery(query: unknown): { to: string; code: string } {
  const q = isPlainObject(query) ? query : {};
  const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
  const phone = first(q['phone']);
  if (!given(phone) || phone === '') throw fail('1621');
  const to = typeof phone === 'string' && phone.includes('@') && phone.length <= MAX_EMAIL ? phone.trim() : phoneToE164(phone);
  const code = first(q['code']);
  return { to, code: typeof code === 'string' ? code.trim() : '' };
}

/** ISO 8601 with milliseconds, as in GetOTP's JSON sample (`2025-08-18T06:28:58.962Z`). */
export function isoDate(ms: number): string {
  return isoTime(ms);
}

/** GetOTP writes phone numbers without the '+'. */
export function wirePhone(to: string): string {
  return to.startsWith('+') ? to.slice(1) : to;
}

export interface VerificationView {
  account_id: string;
  message_id: string;
  phone: string;
  create_date: string;
  expire_date: string;
}

/** A verification in GetOTP's response shape (create, and each item of a verify's `data`). */
export function verificationView(r: VerificationRecord): VerificationView {
  return {
    account_id: prefixedIdToUuid(r.accountId),
    message_id: messageIdOf(r.id),
    phone: wirePhone(r.to),
    create_date: isoDate(r.createdAt),
    expire_date: isoDate(r.expiresAt),
  };
}
