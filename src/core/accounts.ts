// Accounts and API keys: keys are high-entropy, shown once, stored only as an HMAC.
import { DEFAULT_LIMITS, DEFAULT_PUMPING, parseNumbers, type GuardOverrides } from '../guard/limits.js';
import { CHANNELS, SCOPES, type Channel, type Scope } from './types.js';
import { parseFallbacks, type AccountSettings } from './account-settings.js';
import { randomBytes } from 'node:crypto';
import type { Secrets } from './code.js';
import type { Clock } from './clock.js';
import { OtpError } from './errors.js';
import { newId } from './ids.js';
import type { Account, ApiKeyRecord } from './types.js';
import type { Store } from '../store/types.js';

export const DEFAULT_ACCOUNT = 'default';

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The key itself: shown to the operator once, never stored. */
  key: string;
}

/** Scopes a key gets unless told otherwise: everything but risk_override, which must be asked for. */
export const DEFAULT_KEY_SCOPES: readonly Scope[] = ['verifications', 'admin'];

export class Accounts {
  constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {}

  async create(name: string, opts: { appName?: string } = {}): Promise<Account> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
      throw new OtpError('invalid_request', 'Account names are 1-64 letters, digits, dot, dash or underscore.');
    }
    if (await this.store.findAccountByName(name)) throw new OtpError('invalid_request', `Account '${name}' already exists.`);
    const now = this.clock.now();
    return this.store.createAccount({ id: newId('acc', now), name, appName: opts.appName ?? name, webhookUrl: null, webhookSecretSealed: null, createdAt: now });
  }

  async byName(name: string): Promise<Account> {
    const a = await this.store.findAccountByName(name);
    if (!a) throw new OtpError('not_found', `No account named '${name}'.`);
    return a;
  }

  /** The named account, created on first use (the default account at first start). */
  async ensure(name: string): Promise<{ account: Account; created: boolean }> {
    const a = await this.store.findAccountByName(name);
    if (a) return { account: a, created: false };
    try {
      return { account: await this.create(name, { appName: 'otpd' }), created: true };
    } catch (e) {
      // Another node starting at the same moment created it first.
      const again = await this.store.findAccountByName(name);
      if (again) return { account: again, created: false };
      throw e;
    }
  }

  /** Sets the account's delivery webhook and returns its new signing secret (shown once). */
  async setWebhook(name: string, url: string): Promise<string> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OtpError('invalid_request', `'${url}' is not a URL.`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new OtpError('invalid_request', 'The webhook URL must be http or https.');
    const account = await this.byName(name);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    await this.store.setAccountWebhook(account.id, parsed.toString(), this.secrets.seal(secret));
    return secret;
  }

  /** Creates a key; `presetKey` stores a key the operator chose (OTPD_BOOTSTRAP_API_KEY). */
  async createKey(accountName: string, opts: { sandbox?: boolean; presetKey?: string; scopes?: Scope[] } = {}): Promise<CreatedKey> {
    const account = await this.byName(accountName);
    const sandbox = opts.sandbox ?? false;
    const key = opts.presetKey ?? `otpd_${sandbox ? 'test' : 'live'}_${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const record: ApiKeyRecord = {
      id: newId('key', now),
      accountId: account.id,
      keyHash: this.secrets.hashApiKey(key),
      prefix: key.slice(0, 14),
      sandbox,
      createdAt: now,
      revokedAt: null,
      scopes: opts.scopes ?? [...DEFAULT_KEY_SCOPES],
      lastUsedAt: null,
    };
    await this.store.createApiKey(record);
    return { record, key };
  }

  /** Seeds a known key once; a no-op when that key is already stored. */
  async seedKey(accountName: string, key: string): Promise<boolean> {
    const hash = this.secrets.hashApiKey(key);
    if (await this.store.findApiKeyByHash(hash)) return false;
    try {
      await this.createKey(accountName, { presetKey: key });
      return true;
    } catch (e) {
      // Another node starting at the same moment seeded it first.
      if (await this.store.findApiKeyByHash(hash)) return false;
      throw e;
    }
  }

  /** Sets the account's channel fallbacks from `whatsapp=sms,voice=sms` (`none` clears them). */
  async setFallbacks(name: string, spec: string): Promise<AccountSettings> {
    const account = await this.byName(name);
    const settings: AccountSettings = { ...account.settings, channelFallback: parseFallbacks(spec) };
    await this.store.setAccountSettings(account.id, settings);
    return settings;
  }

  /** Parses `verifications,admin` into scopes, refusing unknown names. */
  static parseScopes(spec: string): Scope[] {
    const scopes = [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
    const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (!scopes.length || bad.length) throw new OtpError('invalid_request', `scopes must be a comma-separated list of ${SCOPES.join(', ')}`);
    return scopes as Scope[];
  }

  /**
   * Changes an account's guard settings: `limits` as `name=value,…` over the defaults, `countries` as
   * `sms=US,GB;voice=US`, `blockTypes` as libphonenumber-js types. `none` clears the part given.
   */
  async setGuard(name: string, o: { limits?: string; countries?: string; blockTypes?: string }): Promise<AccountSettings> {
    const account = await this.byName(name);
    const guard: GuardOverrides = { ...account.settings?.guard };
    if (o.limits !== undefined) {
      if (o.limits.trim() === 'none') delete guard.limits;
      else {
        const pumpingKeys = Object.keys(DEFAULT_PUMPING);
        const pairs = o.limits.split(',').map((p) => p.trim()).filter(Boolean);
        const pump = pairs.filter((p) => pumpingKeys.includes(p.split('=')[0]!.trim())).join(',');
        const lim = pairs.filter((p) => !pumpingKeys.includes(p.split('=')[0]!.trim())).join(',');
        guard.limits = { ...guard.limits, ...parseNumbers(lim, DEFAULT_LIMITS, 'rate limit') };
        if (pump) guard.pumping = { ...guard.pumping, ...parseNumbers(pump, DEFAULT_PUMPING, 'pumping rule') };
      }
    }
    if (o.countries !== undefined) {
      if (o.countries.trim() === 'none') delete guard.countries;
      else {
        const countries: Partial<Record<Channel, string[]>> = {};
        for (const part of o.countries.split(';').map((p) => p.trim()).filter(Boolean)) {
          const [ch, list] = part.split('=').map((x) => x.trim()) as [string, string | undefined];
          if (!(CHANNELS as readonly string[]).includes(ch) || !list) throw new OtpError('invalid_request', `'${part}': use CHANNEL=CC,CC (e.g. sms=US,GB)`);
          const codes = list.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
          if (codes.some((c) => !/^[A-Z]{2}$/.test(c))) throw new OtpError('invalid_request', `'${part}': countries are ISO 3166 alpha-2 codes`);
          countries[ch as Channel] = codes;
        }
        guard.countries = countries;
      }
    }
    if (o.blockTypes !== undefined) guard.blocked_number_types = o.blockTypes.trim() === 'none' ? [] : o.blockTypes.split(',').map((t) => t.trim().toUpperCase()).filter(Boolean);
    const settings: AccountSettings = { ...account.settings, guard };
    await this.store.setAccountSettings(account.id, settings);
    return settings;
  }

  async revokeKey(id: string): Promise<void> {
    if (!(await this.store.revokeApiKey(id, this.clock.now()))) throw new OtpError('not_found', `No live key with id '${id}'.`);
  }
}
