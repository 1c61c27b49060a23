// The optional config file (OTPD_CONFIG, JSON or YAML): the same settings as the env vars, secrets by env-var name.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, SETTINGS } from './schema.js';

type FileValue = string | number | boolean | string[] | { env: string };

/**
 * Reads `path` and returns it as OTPD_* env entries. Keys are setting names without the `OTPD_`
 * prefix (`SMS_PROVIDERS`, `TWILIO_ACCOUNT_SID`, …); a value `{ env: NAME }` is read from the
 * environment variable NAME, so secrets stay out of the file. Unknown keys are refused.
 */
export function readConfigFile(path: string, env: NodeJS.ProcessEnv): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`OTPD_CONFIG: cannot read ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`OTPD_CONFIG: ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`OTPD_CONFIG: ${path} must hold an object of settings`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data as Record<string, FileValue>)) {
    const name = `OTPD_${key}`;
    if (!(name in SETTINGS) || name === 'OTPD_CONFIG') throw new ConfigError(`OTPD_CONFIG: unknown setting ${key} in ${path}`);
    out[name] = valueOf(key, value, env, path);
  }
  return out;
}

function valueOf(key: string, value: FileValue, env: NodeJS.ProcessEnv, path: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.env === 'string' && Object.keys(value).length === 1) {
    const v = env[value.env];
    if (v === undefined || v === '') throw new ConfigError(`OTPD_CONFIG: ${key} in ${path} reads env var ${value.env}, which is not set`);
    return v;
  }
  throw new ConfigError(`OTPD_CONFIG: ${key} in ${path} must be a string, number, list of strings or { env: NAME }`);
}
