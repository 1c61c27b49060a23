// Every setting otpd reads, with its default and parser: declared once, validated at start.
import { DEFAULT_POLICY, DEFAULT_TOKEN_TTL_SECONDS, POLICY_BOUNDS } from '../core/policy.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
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
  issuer: string;
  codeLength: number;
  codeTtlSeconds: number;
  maxAttempts: number;
  maxSends: number;
  resendCooldownSeconds: number;
  webhookTimeoutMs: number;
  bodyLimitBytes: number;
  retentionDays: number;
  databasePoolMax: number;
  databaseTimeoutMs: number;
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

const text: Parser<string> = (raw, name) => {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
};

/** The env settings: name -> [config key, default (undefined = optional), parser]. */
export const SETTINGS = {
  OTPD_HOST: ['host', '127.0.0.1', text],
  OTPD_PORT: ['port', '8080', int(0, 65535)],
  OTPD_DATABASE_URL: ['databaseUrl', 'sqlite:./data/otpd.sqlite', text],
  OTPD_SECRET: ['secret', undefined, text],
  OTPD_BOOTSTRAP_API_KEY: ['bootstrapApiKey', undefined, text],
  OTPD_LOG_LEVEL: ['logLevel', 'info', oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')],
  OTPD_TOKEN_ALG: ['tokenAlg', 'ES256', oneOf('ES256', 'EdDSA')],
  OTPD_TOKEN_TTL: ['tokenTtlSeconds', String(DEFAULT_TOKEN_TTL_SECONDS), int(30, 86_400)],
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
  OTPD_DATABASE_POOL_MAX: ['databasePoolMax', '10', int(1, 1000)],
  OTPD_DATABASE_TIMEOUT_MS: ['databaseTimeoutMs', '5000', int(100, 120_000)],
} as const satisfies Record<string, readonly [keyof Config, string | undefined, Parser<unknown>]>;

/** Env names that belong to otpd's own tests and tools, not to the server. */
export const IGNORED_PREFIXES = ['OTPD_TEST_', 'OTPD_BENCH_'];
