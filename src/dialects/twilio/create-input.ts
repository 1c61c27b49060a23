// Start-verification parameters -> the engine's CreateInput, with the Service's settings applied and Twilio's refusals.
import { isIP } from 'node:net';
import type { CreateInput } from '../../core/engine.js';
import type { Channel } from '../../core/types.js';
import { invalidParam, TwilioFault } from './errors.js';
import { templateIdOf } from './ids.js';
import { messageFor, supportedLocale } from './message.js';
import { bool, jsonObject, need, oneOf, str, type Form } from './params.js';
import type { ServiceRecord } from './services.js';
import { META, TWILIO_CHANNELS, type TwilioChannel } from './wire.js';

/** Twilio's channels -> otpd's; `auto` is SMS (otpd has no SNA to try first); SNA and RCS are not offered. */
function channelOf(c: TwilioChannel, to: string): Channel {
  switch (c) {
    case 'sms':
      return 'sms';
    case 'call':
      return 'voice';
    case 'email':
      return 'email';
    case 'whatsapp':
      return 'whatsapp';
    case 'auto':
      return to.includes('@') ? 'email' : 'sms';
    case 'sna':
    case 'rcs':
      throw new TwilioFault(400, 60223, `Delivery channel disabled: ${c.toUpperCase()}`);
  }
}

/** Tags: at most 10 string pairs, each key and value at most 128 characters. */
function tagsOf(f: Form): Record<string, string> | undefined {
  const t = jsonObject(f, 'Tags');
  if (!t) return undefined;
  const entries = Object.entries(t);
  if (entries.length > 10) throw invalidParam('Tags', 'at most 10 tags');
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length > 128 || v.length > 128) throw invalidParam('Tags', 'keys and values must be strings of at most 128 characters');
  }
  return t as Record<string, string>;
}

/** The parameters Twilio accepts that change nothing here; checked for shape so a typo still fails as it would at Twilio. */
function acceptIgnored(f: Form): void {
  const digits = str(f, 'SendDigits', { max: 32 });
  if (digits !== undefined && !/^[0-9*#wW]+$/.test(digits)) throw invalidParam('SendDigits', 'may contain only digits, *, # and w');
  jsonObject(f, 'RateLimits');
  jsonObject(f, 'ChannelConfiguration');
  jsonObject(f, 'TemplateCustomSubstitutions');
  const ip = str(f, 'DeviceIp', { max: 64 });
  if (ip !== undefined && !isIP(ip)) throw invalidParam('DeviceIp', 'must be an IPv4 or IPv6 address');
  bool(f, 'EnableSnaClientToken');
  oneOf(f, 'RiskCheck', ['enable', 'disable']);
}

export interface StartRequest {
  input: CreateInput;
  channel: Channel;
}

/** Reads a start-verification form against its Service (its default template is applied by the caller, which can read the store). */
export function startRequest(f: Form, service: ServiceRecord): StartRequest {
  const c = service.settings;
  const to = need(f, 'To', 320);
  need(f, 'Channel');
  const channel = channelOf(oneOf(f, 'Channel', TWILIO_CHANNELS)!, to);
  const rawLocale = str(f, 'Locale', { max: 16 });
  const locale = rawLocale === undefined ? undefined : supportedLocale(rawLocale);
  // Twilio answers an unsupported Locale with a 404 (its docs: retry without Locale).
  if (locale === null) throw new TwilioFault(404, 20404, `Locale '${rawLocale!.replace(/[^A-Za-z0-9_-]/g, '')}' is not supported`);

  const code = str(f, 'CustomCode', { max: 10 });
  if (code !== undefined) {
    if (!c.customCodeEnabled) throw invalidParam('CustomCode', 'custom codes are not enabled on this Service (CustomCodeEnabled)');
    if (!/^[A-Za-z0-9]{4,10}$/.test(code)) throw invalidParam('CustomCode', 'must be 4 to 10 letters or digits');
  }

  const amount = str(f, 'Amount', { max: 64 });
  const payee = str(f, 'Payee', { max: 64 });
  if (c.psd2Enabled && (amount === undefined || payee === undefined)) throw invalidParam(amount === undefined ? 'Amount' : 'Payee', 'is required on a PSD2 Service');
  const psd2 = c.psd2Enabled ? { amount: amount!, payee: payee! } : undefined;

  const appHash = str(f, 'AppHash', { max: 11 });
  if (appHash !== undefined && !/^[A-Za-z0-9+/]{11}$/.test(appHash)) throw invalidParam('AppHash', 'must be the 11-character Android app hash');

  const templateSid = str(f, 'TemplateSid', { max: 34 });
  const templateId = templateSid === undefined ? undefined : templateIdOf(templateSid);
  if (templateId === null) throw invalidParam('TemplateSid', 'must be an HJ… sid');

  const tags = tagsOf(f);
  const customMessage = str(f, 'CustomMessage', { max: 640 });
  const appName = str(f, 'CustomFriendlyName', { max: 64 }) ?? c.friendlyName;
  acceptIgnored(f);

  const metadata: Record<string, string> = { [META.service]: service.sid };
  if (psd2) Object.assign(metadata, { [META.amount]: psd2.amount, [META.payee]: psd2.payee });
  if (code !== undefined) metadata[META.customCode] = '1';
  const message = messageFor({ locale: locale ?? 'en', customMessage, psd2, appHash: channel === 'sms' ? appHash : undefined });

  const input: CreateInput = {
    to,
    channel,
    ...(code !== undefined ? { code } : { codeLength: c.codeLength }),
    ...(locale ? { locale } : {}),
    ...(templateId ? { templateId } : {}),
    ...(message ? { message } : {}),
    ...(tags ? { payload: { tags } } : {}),
    appName,
    metadata,
  };
  return { input, channel };
}
