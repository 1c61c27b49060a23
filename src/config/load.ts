// Resolves env settings into a frozen Config; an unknown or invalid OTPD_* setting fails at start.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readConfigFile } from './file.js';
import { ConfigError, IGNORED_PREFIXES, SETTINGS, type Config } from './schema.js';

export { ConfigError, type Config } from './schema.js';

/** Path of the SQLite file for a `sqlite:` URL, or null for other schemes. */
export function sqlitePath(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  return databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
}

export function isPostgresUrl(databaseUrl: string): boolean {
  return databaseUrl.startsWith('postgres://') || databaseUrl.startsWith('postgresql://');
}

export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // The environment wins over the file, so one value can be overridden without editing it.
  const fromFile = processEnv['OTPD_CONFIG'] ? readConfigFile(processEnv['OTPD_CONFIG'], processEnv) : {};
  const env: NodeJS.ProcessEnv = { ...fromFile, ...processEnv };
  const known = new Set(Object.keys(SETTINGS));
  for (const name of Object.keys(env)) {
    if (name.startsWith('OTPD_') && !known.has(name) && !IGNORED_PREFIXES.some((p) => name.startsWith(p))) {
      throw new ConfigError(`unknown setting ${name}; known settings: ${[...known].join(', ')}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, [key, def, parse]] of Object.entries(SETTINGS)) {
    const raw = env[name];
    if (raw !== undefined) out[key] = (parse as (r: string, n: string) => unknown)(raw, name);
    else out[key] = def === undefined ? null : (parse as (r: string, n: string) => unknown)(def, name);
  }
  const production = env['NODE_ENV'] === 'production';
  const dbUrl = out['databaseUrl'] as string;
  if (!dbUrl.startsWith('sqlite:') && !isPostgresUrl(dbUrl)) {
    throw new ConfigError(`OTPD_DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got scheme '${dbUrl.split(':')[0]}')`);
  }
  let secretSource: Config['secretSource'] = 'env';
  if (out['secret'] === null) {
    if (production) throw new ConfigError('OTPD_SECRET is required when NODE_ENV=production (at least 32 characters)');
    const file = join(dirname(sqlitePath(dbUrl) ?? './data/x'), 'secret');
    if (existsSync(file)) {
      out['secret'] = readFileSync(file, 'utf8').trim();
      secretSource = 'file';
    } else {
      mkdirSync(dirname(file), { recursive: true });
      out['secret'] = randomBytes(32).toString('base64url');
      writeFileSync(file, `${out['secret'] as string}\n`, { mode: 0o600 });
      secretSource = 'generated';
    }
  }
  if ((out['secret'] as string).length < 32) throw new ConfigError('OTPD_SECRET must be at least 32 characters');
  if (out['bootstrapApiKey'] !== null && (out['bootstrapApiKey'] as string).length < 24) {
    throw new ConfigError('OTPD_BOOTSTRAP_API_KEY must be at least 24 characters');
  }
  return Object.freeze({ ...(out as unknown as Config), production, secretSource });
}
