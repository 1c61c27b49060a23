// Every setting otpd reads, with its default and parser: declared once, validated at start.
import { DIALECT_NAMES, type DialectName } from '../dialects/names.js';
import { DEFAULT_LIMITS, DEFAULT_PUMPING, parseNumbers, type PumpingRules, type RateLimits } from '../guard/limits.js';
import { DEFAULT_POLICY, DEFAULT_TOKEN_TTL_SECONDS, POLICY_BOUNDS } from '../core/policy.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** The config file the settings were read from, if any. */
  configFile: string | null;
  host: string;
  port: number;
  databaseUrl: string;
  /** Resolved secret (from OTPD_SECRET, or generated in dev). */
  secret: string;
  secretSource: 'env' | 'generated' | 'file';
  bootstrapApiKey: string | null;
  logLevel: LogLevel;
  production: boolean;
  tokenAlg: 'ES256' | 'EdDSA';
  tokenTtlSeconds: number;
  /** Sign a matching check's token on a thread of its own while its attempt commits: 'auto' does on SQLite with two CPUs or more. */
  signAhead: 'auto' | 'on' | 'off';
  /** How far V8 lets the main heap grow past its live size before a full collection, in per cent; 0: V8 decides (see heap.ts). */
  heapGrowthPercent: number;
  issuer: string;
  codeLength: number;
  codeTtlSeconds: number;
  maxAttempts: number;
  maxSends: number;
  resendCooldownSeconds: number;
  webhookTimeoutMs: number;
  bodyLimitBytes: number;
  retentionDays: number;
  /** Delivery providers; each is configured when its credentials are set. */
  smtpUrl: string | null;
  emailFrom: string;
  smsProviders: string[] | null;
  twilioAccountSid: string | null;
  twilioAuthToken: string | null;
  twilioFrom: string | null;
  twilioMessagingServiceSid: string | null;
  twilioBaseUrl: string;
  twilioVoiceFrom: string | null;
  whatsappAccessToken: string | null;
  whatsappPhoneNumberId: string | null;
  whatsappTemplate: string | null;
  whatsappLanguageFallback: string;
  whatsappApiVersion: string;
  whatsappBaseUrl: string;
  smppHost: string | null;
  smppPort: number;
  smppSystemId: string | null;
  smppPassword: string | null;
  smppSystemType: string | null;
  smppSourceAddr: string | null;
  smppWindow: number;
  smppThroughput: number | null;
  vonageApiKey: string | null;
  vonageApiSecret: string | null;
  vonageFrom: string | null;
  vonageBaseUrl: string;
  infobipApiKey: string | null;
  infobipBaseUrl: string | null;
  infobipFrom: string | null;
  providerTimeoutMs: number;
  shutdownTimeoutMs: number;
  databasePoolMax: number;
  databaseTimeoutMs: number;
  /** Compatible dialects to serve and where: under a path prefix of the main port, or at / on a port of their own. */
  dialects: DialectMountSpec[];
  signatureWindowSeconds: number;
  /** Where providers reach this otpd for status callbacks (https://otpd.example.com); null: none requested. */
  publicUrl: string | null;
  /** Installation-wide rate limits (defaults in src/guard/limits.ts); accounts may override. */
  rateLimits: RateLimits;
  pumping: PumpingRules;
}

export interface DialectMountSpec {
  name: DialectName;
  /** Path prefix on the main port ('/twilio'); null when `port` is set. */
  prefix: string | null;
  /** A port of its own, serving the dialect at '/'. */
  port: number | null;
}

type Parser<T> = (raw: string, name: string) => T;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
    return n;
  };

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) => {
    if (!(values as string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')} (got '${raw}')`);
    return raw as T;
  };

const url =
  (...schemes: string[]): Parser<string> =>
  (raw, name) => {
    try {
      const u = new URL(raw.trim());
      if (schemes.includes(u.protocol.replace(/:$/, ''))) return raw.trim();
    } catch {
      // fall through to the error
    }
    throw new ConfigError(`${name} must be a ${schemes.join(' or ')} URL`);
  };

const list =
  (...allowed: string[]): Parser<string[]> =>
  (raw, name) => {
    const items = raw.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = items.filter((x) => !allowed.includes(x));
    if (items.length === 0 || bad.length) throw new ConfigError(`${name} must be a comma-separated list of ${allowed.join(', ')} (got '${raw}')`);
    return items;
  };

/** `name`, `name=/prefix` or `name=:port`, comma-separated; `none` serves no dialect. */
const dialects: Parser<DialectMountSpec[]> = (raw, name) => {
  if (raw.trim() === 'none') return [];
  const out: DialectMountSpec[] = [];
  for (const item of raw.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [n, where] = item.split('=').map((x) => x.trim()) as [string, string | undefined];
    if (!(DIALECT_NAMES as readonly string[]).includes(n)) {
      throw new ConfigError(`${name}: unknown dialect '${n}'; known: ${DIALECT_NAMES.join(', ')} (or 'none')`);
    }
    if (out.some((d) => d.name === n)) throw new ConfigError(`${name}: dialect '${n}' is listed twice`);
    let spec: DialectMountSpec;
    if (where === undefined) spec = { name: n as DialectName, prefix: `/${n}`, port: null };
    else if (/^:\d{1,5}$/.test(where) && Number(where.slice(1)) > 0 && Number(where.slice(1)) <= 65535) spec = { name: n as DialectName, prefix: null, port: Number(where.slice(1)) };
    else if (/^(\/[A-Za-z0-9._~-]+)+$/.test(where)) spec = { name: n as DialectName, prefix: where, port: null };
    else throw new ConfigError(`${name}: '${item}' must be NAME, NAME=/path or NAME=:port`);
    const clash = out.find((d) => (spec.prefix !== null && d.prefix === spec.prefix) || (spec.port !== null && d.port === spec.port));
    if (clash) throw new ConfigError(`${name}: '${n}' and '${clash.name}' are mounted at the same place`);
    if (spec.prefix === '/v1' || spec.prefix?.startsWith('/v1/') || spec.prefix === '/docs') throw new ConfigError(`${name}: '${item}' would shadow the native API`);
    out.push(spec);
  }
  return out;
};

/** `name=value,…` over the declared defaults. */
const numbersOver =
  <T extends object>(defaults: Readonly<T>, what: string): Parser<T> =>
  (raw, name) => {
    try {
      return { ...defaults, ...parseNumbers(raw, defaults, what) };
    } catch (e) {
      throw new ConfigError(`${name}: ${(e as Error).message}`);
    }
  };

const text: Parser<string> = (raw, name) => {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
};

/** The env settings: name -> [config key, default (undefined = optional), parser]. */
export const SETTINGS = {
  OTPD_CONFIG: ['configFile', undefined, text],
  OTPD_HOST: ['host', '127.0.0.1', text],
  OTPD_PORT: ['port', '8080', int(0, 65535)],
  OTPD_DATABASE_URL: ['databaseUrl', 'sqlite:./data/otpd.sqlite', text],
  OTPD_SECRET: ['secret', undefined, text],
  OTPD_BOOTSTRAP_API_KEY: ['bootstrapApiKey', undefined, text],
  OTPD_LOG_LEVEL: ['logLevel', 'info', oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')],
  OTPD_TOKEN_ALG: ['tokenAlg', 'ES256', oneOf('ES256', 'EdDSA')],
  OTPD_TOKEN_TTL: ['tokenTtlSeconds', String(DEFAULT_TOKEN_TTL_SECONDS), int(30, 86_400)],
  OTPD_SIGN_AHEAD: ['signAhead', 'auto', oneOf('auto', 'on', 'off')],
  OTPD_HEAP_GROWTH: ['heapGrowthPercent', '50', int(0, 1000)],
  OTPD_ISSUER: ['issuer', 'otpd', text],
  OTPD_CODE_LENGTH: ['codeLength', String(DEFAULT_POLICY.codeLength), int(POLICY_BOUNDS.codeLength.min, POLICY_BOUNDS.codeLength.max)],
  OTPD_CODE_TTL: ['codeTtlSeconds', String(DEFAULT_POLICY.ttlSeconds), int(POLICY_BOUNDS.ttlSeconds.min, POLICY_BOUNDS.ttlSeconds.max)],
  OTPD_MAX_ATTEMPTS: ['maxAttempts', String(DEFAULT_POLICY.maxAttempts), int(POLICY_BOUNDS.maxAttempts.min, POLICY_BOUNDS.maxAttempts.max)],
  OTPD_MAX_SENDS: ['maxSends', String(DEFAULT_POLICY.maxSends), int(POLICY_BOUNDS.maxSends.min, POLICY_BOUNDS.maxSends.max)],
  OTPD_RESEND_COOLDOWN: [
    'resendCooldownSeconds',
    String(DEFAULT_POLICY.resendCooldownSeconds),
    int(POLICY_BOUNDS.resendCooldownSeconds.min, POLICY_BOUNDS.resendCooldownSeconds.max),
  ],
  OTPD_WEBHOOK_TIMEOUT_MS: ['webhookTimeoutMs', '5000', int(100, 60_000)],
  OTPD_BODY_LIMIT: ['bodyLimitBytes', '65536', int(1024, 10_485_760)],
  OTPD_RETENTION_DAYS: ['retentionDays', '7', int(1, 3650)],
  OTPD_SMTP_URL: ['smtpUrl', undefined, url('smtp', 'smtps')],
  OTPD_EMAIL_FROM: ['emailFrom', 'otpd <no-reply@localhost>', text],
  OTPD_SMS_PROVIDERS: ['smsProviders', undefined, list('twilio', 'vonage', 'infobip', 'smpp')],
  OTPD_TWILIO_ACCOUNT_SID: ['twilioAccountSid', undefined, text],
  OTPD_TWILIO_AUTH_TOKEN: ['twilioAuthToken', undefined, text],
  OTPD_TWILIO_FROM: ['twilioFrom', undefined, text],
  OTPD_TWILIO_MESSAGING_SERVICE_SID: ['twilioMessagingServiceSid', undefined, text],
  OTPD_TWILIO_BASE_URL: ['twilioBaseUrl', 'https://api.twilio.com', url('https', 'http')],
  OTPD_TWILIO_VOICE_FROM: ['twilioVoiceFrom', undefined, text],
  OTPD_WHATSAPP_ACCESS_TOKEN: ['whatsappAccessToken', undefined, text],
  OTPD_WHATSAPP_PHONE_NUMBER_ID: ['whatsappPhoneNumberId', undefined, text],
  OTPD_WHATSAPP_TEMPLATE: ['whatsappTemplate', undefined, text],
  OTPD_WHATSAPP_LANGUAGE_FALLBACK: ['whatsappLanguageFallback', 'en', text],
  OTPD_WHATSAPP_API_VERSION: ['whatsappApiVersion', 'v21.0', text],
  OTPD_WHATSAPP_BASE_URL: ['whatsappBaseUrl', 'https://graph.facebook.com', url('https', 'http')],
  OTPD_SMPP_HOST: ['smppHost', undefined, text],
  OTPD_SMPP_PORT: ['smppPort', '2775', int(1, 65535)],
  OTPD_SMPP_SYSTEM_ID: ['smppSystemId', undefined, text],
  OTPD_SMPP_PASSWORD: ['smppPassword', undefined, text],
  OTPD_SMPP_SYSTEM_TYPE: ['smppSystemType', undefined, text],
  OTPD_SMPP_SOURCE_ADDR: ['smppSourceAddr', undefined, text],
  OTPD_SMPP_WINDOW: ['smppWindow', '10', int(1, 1000)],
  OTPD_SMPP_THROUGHPUT: ['smppThroughput', undefined, int(1, 10_000)],
  OTPD_VONAGE_API_KEY: ['vonageApiKey', undefined, text],
  OTPD_VONAGE_API_SECRET: ['vonageApiSecret', undefined, text],
  OTPD_VONAGE_FROM: ['vonageFrom', undefined, text],
  OTPD_VONAGE_BASE_URL: ['vonageBaseUrl', 'https://rest.nexmo.com', url('https', 'http')],
  OTPD_INFOBIP_API_KEY: ['infobipApiKey', undefined, text],
  OTPD_INFOBIP_BASE_URL: ['infobipBaseUrl', undefined, url('https', 'http')],
  OTPD_INFOBIP_FROM: ['infobipFrom', undefined, text],
  OTPD_PROVIDER_TIMEOUT_MS: ['providerTimeoutMs', '10000', int(100, 120_000)],
  OTPD_SHUTDOWN_TIMEOUT_MS: ['shutdownTimeoutMs', '10000', int(100, 600_000)],
  OTPD_DATABASE_POOL_MAX: ['databasePoolMax', '10', int(1, 1000)],
  OTPD_DATABASE_TIMEOUT_MS: ['databaseTimeoutMs', '5000', int(100, 120_000)],
  OTPD_DIALECTS: ['dialects', DIALECT_NAMES.join(','), dialects],
  OTPD_SIGNATURE_WINDOW: ['signatureWindowSeconds', '300', int(5, 3600)],
  OTPD_PUBLIC_URL: ['publicUrl', undefined, url('https', 'http')],
  OTPD_RATE_LIMITS: ['rateLimits', '', numbersOver(DEFAULT_LIMITS, 'rate limit')],
  OTPD_PUMPING_GUARD: ['pumping', '', numbersOver(DEFAULT_PUMPING, 'pumping rule')],
} as const satisfies Record<string, readonly [keyof Config, string | undefined, Parser<unknown>]>;

/** Env names that belong to otpd's own tests and tools, not to the server. */
export const IGNORED_PREFIXES = ['OTPD_TEST_', 'OTPD_BENCH_'];
