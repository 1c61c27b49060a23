// Builds the providers the configuration names, in failover order, and registers them per channel.
import type { Store } from '../store/types.js';
import { StatusCallbacks } from './status-callbacks.js';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Channel } from '../core/types.js';
import { ConfigError, type Config } from '../config/schema.js';
import { ConsoleProvider } from './console/console-provider.js';
import { ChannelRegistry } from './registry.js';
import { InfobipSmsProvider } from './sms-http/infobip/infobip-sms-provider.js';
import { TwilioSmsProvider } from './sms-http/twilio/twilio-sms-provider.js';
import { VonageSmsProvider } from './sms-http/vonage/vonage-sms-provider.js';
import { SmppProvider, type ReceiptIdStore } from './smpp/smpp-provider.js';
import { SmtpProvider } from './smtp/smtp-provider.js';
import { TwilioVoiceProvider } from './voice/twilio-voice-provider.js';
import { WhatsappCloudProvider } from './whatsapp/whatsapp-cloud-provider.js';
import type { Provider } from './types.js';
import { WebhookProvider } from './webhook/webhook-provider.js';

type SmsName = 'twilio' | 'vonage' | 'infobip' | 'smpp';
const SMS_ORDER: SmsName[] = ['twilio', 'vonage', 'infobip', 'smpp'];

/** The settings when all are given, null when none is; a half-given provider is a configuration error. */
function need(provider: string, settings: Record<string, string | null>): Record<string, string> | null {
  const given = Object.values(settings).filter((v) => v !== null);
  if (given.length === 0) return null;
  const missing = Object.entries(settings).filter(([, v]) => v === null).map(([k]) => k);
  if (missing.length) throw new ConfigError(`${provider} needs ${missing.join(' and ')} as well`);
  return settings as Record<string, string>;
}

/** Wraps a provider constructor's own validation error as a configuration error naming the provider. */
function build<T>(provider: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw e instanceof ConfigError ? e : new ConfigError(`${provider}: ${(e as Error).message}`);
  }
}

/** The SMS provider `name`, or null when none of its settings is given. */
/** SMSC message ids kept for 3 days in the store's keyed state (receipts rarely come later). */
function receiptIds(store: Store): ReceiptIdStore {
  const key = { dialect: 'smpp', accountId: '*', kind: 'smsc-message-id' } as const;
  return {
    async save(ids, outboundId) {
      const expiresAt = Date.now() + 3 * 86_400_000;
      for (const id of ids) await store.dialects.putState({ ...key, key: id, value: outboundId, expiresAt });
    },
    async find(candidates) {
      for (const id of candidates) {
        const hit = await store.dialects.getState(key.dialect, key.accountId, key.kind, id, Date.now());
        if (hit) return hit.value;
      }
      return null;
    },
  };
}

function smsProvider(name: SmsName, c: Readonly<Config>, onReceipt: ReceiptSink, callbacks: StatusCallbacks, store?: Store): Provider | null {
  const timeoutMs = c.providerTimeoutMs;
  return build(`${name} SMS`, () => {
    switch (name) {
      case 'twilio': {
        // Twilio credentials may serve voice only: SMS needs a sender as well.
        if (!c.twilioFrom && !c.twilioMessagingServiceSid) return null;
        const s = need('twilio SMS', { OTPD_TWILIO_ACCOUNT_SID: c.twilioAccountSid, OTPD_TWILIO_AUTH_TOKEN: c.twilioAuthToken });
        if (!s) return null;
        return new TwilioSmsProvider({
          accountSid: s['OTPD_TWILIO_ACCOUNT_SID']!,
          authToken: s['OTPD_TWILIO_AUTH_TOKEN']!,
          from: c.twilioFrom ?? undefined,
          messagingServiceSid: c.twilioMessagingServiceSid ?? undefined,
          baseUrl: c.twilioBaseUrl,
          timeoutMs,
          callbacks,
        });
      }
      case 'vonage': {
        const s = need('vonage SMS', { OTPD_VONAGE_API_KEY: c.vonageApiKey, OTPD_VONAGE_API_SECRET: c.vonageApiSecret, OTPD_VONAGE_FROM: c.vonageFrom });
        if (!s) return null;
        return new VonageSmsProvider({ apiKey: s['OTPD_VONAGE_API_KEY']!, apiSecret: s['OTPD_VONAGE_API_SECRET']!, from: s['OTPD_VONAGE_FROM']!, baseUrl: c.vonageBaseUrl, timeoutMs, callbacks });
      }
      case 'infobip': {
        const s = need('infobip SMS', { OTPD_INFOBIP_API_KEY: c.infobipApiKey, OTPD_INFOBIP_BASE_URL: c.infobipBaseUrl, OTPD_INFOBIP_FROM: c.infobipFrom });
        if (!s) return null;
        return new InfobipSmsProvider({ apiKey: s['OTPD_INFOBIP_API_KEY']!, baseUrl: s['OTPD_INFOBIP_BASE_URL']!, from: s['OTPD_INFOBIP_FROM']!, timeoutMs, callbacks });
      }
      case 'smpp': {
        const s = need('smpp SMS', { OTPD_SMPP_HOST: c.smppHost, OTPD_SMPP_SYSTEM_ID: c.smppSystemId, OTPD_SMPP_PASSWORD: c.smppPassword, OTPD_SMPP_SOURCE_ADDR: c.smppSourceAddr });
        if (!s) return null;
        return new SmppProvider({
          host: s['OTPD_SMPP_HOST']!,
          port: c.smppPort,
          systemId: s['OTPD_SMPP_SYSTEM_ID']!,
          password: s['OTPD_SMPP_PASSWORD']!,
          systemType: c.smppSystemType ?? undefined,
          sourceAddr: s['OTPD_SMPP_SOURCE_ADDR']!,
          windowSize: c.smppWindow,
          throughputPerSecond: c.smppThroughput ?? undefined,
          timeoutMs,
          ids: store ? receiptIds(store) : undefined,
          onReceipt: (r) => {
            if (r.outboundMessageId) onReceipt(r.outboundMessageId, r.status, r.error);
          },
        });
      }
    }
  });
}

/** Voice through Twilio's Calls API, on the same account credentials as Twilio SMS. */
function voiceProvider(c: Readonly<Config>): Provider | null {
  if (!c.twilioVoiceFrom) return null;
  const s = need('twilio voice', { OTPD_TWILIO_VOICE_FROM: c.twilioVoiceFrom, OTPD_TWILIO_ACCOUNT_SID: c.twilioAccountSid, OTPD_TWILIO_AUTH_TOKEN: c.twilioAuthToken })!;
  return build('twilio voice', () =>
    new TwilioVoiceProvider({ accountSid: s['OTPD_TWILIO_ACCOUNT_SID']!, authToken: s['OTPD_TWILIO_AUTH_TOKEN']!, from: s['OTPD_TWILIO_VOICE_FROM']!, baseUrl: c.twilioBaseUrl, timeoutMs: c.providerTimeoutMs }),
  );
}

/** WhatsApp through Meta's Cloud API with an approved authentication template. */
function whatsappProvider(c: Readonly<Config>): Provider | null {
  const s = need('whatsapp', {
    OTPD_WHATSAPP_ACCESS_TOKEN: c.whatsappAccessToken,
    OTPD_WHATSAPP_PHONE_NUMBER_ID: c.whatsappPhoneNumberId,
    OTPD_WHATSAPP_TEMPLATE: c.whatsappTemplate,
  });
  if (!s) return null;
  return build('whatsapp', () =>
    new WhatsappCloudProvider({
      accessToken: s['OTPD_WHATSAPP_ACCESS_TOKEN']!,
      phoneNumberId: s['OTPD_WHATSAPP_PHONE_NUMBER_ID']!,
      templateName: s['OTPD_WHATSAPP_TEMPLATE']!,
      languageFallback: c.whatsappLanguageFallback,
      apiVersion: c.whatsappApiVersion,
      baseUrl: c.whatsappBaseUrl,
      timeoutMs: c.providerTimeoutMs,
    }),
  );
}

export interface ChannelSetup {
  registry: ChannelRegistry;
  /** Channel -> provider names, for the start-up log. */
  summary: Record<string, string[]>;
  close(): Promise<void>;
}

/** Where providers report delivery receipts: our message id (`msg_<verification>_<send>`) and the outcome. */
export type ReceiptSink = (messageId: string, status: 'delivered' | 'undeliverable' | 'failed', error?: string) => void;

/**
 * Real providers first, in OTPD_SMS_PROVIDERS order (default: every configured one). Outside
 * production a channel left without a provider falls back to the console, so it can be tried at once.
 */
export function setupChannels(c: Readonly<Config>, secrets: Secrets, clock: Clock, onReceipt: ReceiptSink, consoleOut?: NodeJS.WritableStream, store?: Store): ChannelSetup {
  const registry = new ChannelRegistry();
  const closers: Array<() => Promise<void> | void> = [];
  registry.register('webhook', new WebhookProvider(secrets, clock, c.webhookTimeoutMs));

  const callbacks = new StatusCallbacks(c.publicUrl, secrets);
  const configured = SMS_ORDER.map((n) => [n, smsProvider(n, c, onReceipt, callbacks, store)] as const).filter((e): e is readonly [SmsName, Provider] => e[1] !== null);
  const order = c.smsProviders ?? configured.map(([n]) => n);
  for (const name of order) {
    const p = configured.find(([n]) => n === name)?.[1];
    if (!p) throw new ConfigError(`OTPD_SMS_PROVIDERS names ${name}, but its credentials are not set`);
    registry.register('sms', p);
  }
  for (const p of registry.providers('sms')) {
    // The SMPP session binds at start (so receipts can arrive) and must be unbound to let the process exit.
    if (p instanceof SmppProvider) {
      p.start();
      closers.push(() => p.close());
    }
  }
  const voice = voiceProvider(c);
  if (voice) registry.register('voice', voice);
  const whatsapp = whatsappProvider(c);
  if (whatsapp) registry.register('whatsapp', whatsapp);
  if (c.twilioAccountSid && !voice && registry.providers('sms').every((p) => p.name !== 'twilio')) {
    throw new ConfigError('Twilio credentials are set but neither OTPD_TWILIO_FROM / OTPD_TWILIO_MESSAGING_SERVICE_SID (sms) nor OTPD_TWILIO_VOICE_FROM (voice)');
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
