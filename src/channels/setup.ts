// Builds the providers the configuration names, in failover order, and registers them per channel.
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Channel } from '../core/types.js';
import { ConfigError, type Config } from '../config/schema.js';
import { ConsoleProvider } from './console/console-provider.js';
import { ChannelRegistry } from './registry.js';
import { InfobipSmsProvider } from './sms-http/infobip/infobip-sms-provider.js';
import { TwilioSmsProvider } from './sms-http/twilio/twilio-sms-provider.js';
import { VonageSmsProvider } from './sms-http/vonage/vonage-sms-provider.js';
import { SmtpProvider } from './smtp/smtp-provider.js';
import type { Provider } from './types.js';
import { WebhookProvider } from './webhook/webhook-provider.js';

type SmsName = 'twilio' | 'vonage' | 'infobip';
const SMS_ORDER: SmsName[] = ['twilio', 'vonage', 'infobip'];

/** The SMS provider `name`, or null when none of its settings is given; half a configuration is an error. */
function smsProvider(name: SmsName, c: Readonly<Config>): Provider | null {
  const need = (settings: Record<string, string | null>): Record<string, string> | null => {
    const given = Object.entries(settings).filter(([, v]) => v !== null);
    if (given.length === 0) return null;
    const missing = Object.entries(settings).filter(([, v]) => v === null).map(([k]) => k);
    if (missing.length) throw new ConfigError(`${name} SMS needs ${missing.join(' and ')} as well`);
    return settings as Record<string, string>;
  };
  const timeoutMs = c.providerTimeoutMs;
  try {
    switch (name) {
      case 'twilio': {
        const s = need({ OTPD_TWILIO_ACCOUNT_SID: c.twilioAccountSid, OTPD_TWILIO_AUTH_TOKEN: c.twilioAuthToken });
        if (!s) return null;
        return new TwilioSmsProvider({
          accountSid: s['OTPD_TWILIO_ACCOUNT_SID']!,
          authToken: s['OTPD_TWILIO_AUTH_TOKEN']!,
          from: c.twilioFrom ?? undefined,
          messagingServiceSid: c.twilioMessagingServiceSid ?? undefined,
          baseUrl: c.twilioBaseUrl,
          timeoutMs,
        });
      }
      case 'vonage': {
        const s = need({ OTPD_VONAGE_API_KEY: c.vonageApiKey, OTPD_VONAGE_API_SECRET: c.vonageApiSecret, OTPD_VONAGE_FROM: c.vonageFrom });
        if (!s) return null;
        return new VonageSmsProvider({ apiKey: s['OTPD_VONAGE_API_KEY']!, apiSecret: s['OTPD_VONAGE_API_SECRET']!, from: s['OTPD_VONAGE_FROM']!, baseUrl: c.vonageBaseUrl, timeoutMs });
      }
      case 'infobip': {
        const s = need({ OTPD_INFOBIP_API_KEY: c.infobipApiKey, OTPD_INFOBIP_BASE_URL: c.infobipBaseUrl, OTPD_INFOBIP_FROM: c.infobipFrom });
        if (!s) return null;
        return new InfobipSmsProvider({ apiKey: s['OTPD_INFOBIP_API_KEY']!, baseUrl: s['OTPD_INFOBIP_BASE_URL']!, from: s['OTPD_INFOBIP_FROM']!, timeoutMs });
      }
    }
  } catch (e) {
    throw e instanceof ConfigError ? e : new ConfigError(`${name} SMS: ${(e as Error).message}`);
  }
}

export interface ChannelSetup {
  registry: ChannelRegistry;
  /** Channel -> provider names, for the start-up log. */
  summary: Record<string, string[]>;
  close(): Promise<void>;
}

/**
 * Real providers first, in OTPD_SMS_PROVIDERS order (default: every configured one). Outside
 * production a channel left without a provider falls back to the console, so it can be tried at once.
 */
export function setupChannels(c: Readonly<Config>, secrets: Secrets, clock: Clock, consoleOut?: NodeJS.WritableStream): ChannelSetup {
  const registry = new ChannelRegistry();
  const closers: Array<() => Promise<void> | void> = [];
  registry.register('webhook', new WebhookProvider(secrets, clock, c.webhookTimeoutMs));

  const configured = SMS_ORDER.map((n) => [n, smsProvider(n, c)] as const).filter((e): e is readonly [SmsName, Provider] => e[1] !== null);
  const order = c.smsProviders ?? configured.map(([n]) => n);
  for (const name of order) {
    const p = configured.find(([n]) => n === name)?.[1];
    if (!p) throw new ConfigError(`OTPD_SMS_PROVIDERS names ${name}, but its credentials are not set`);
    registry.register('sms', p);
  }
  if (c.smtpUrl) {
    const smtp = new SmtpProvider({ url: c.smtpUrl, from: c.emailFrom, timeoutMs: c.providerTimeoutMs });
    registry.register('email', smtp);
    closers.push(() => smtp.close());
  }
  if (!c.production) {
    const consoleProvider = new ConsoleProvider(consoleOut);
    for (const ch of ['console', 'sms', 'voice', 'whatsapp', 'email'] as Channel[]) {
      if (registry.providers(ch).length === 0) registry.register(ch, consoleProvider);
    }
  }
  const summary: Record<string, string[]> = {};
  for (const ch of ['sms', 'voice', 'whatsapp', 'email', 'webhook', 'console'] as Channel[]) summary[ch] = registry.providers(ch).map((p) => p.name);
  return {
    registry,
    summary,
    async close() {
      for (const close of closers) await close();
    },
  };
}
