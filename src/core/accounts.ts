// Accounts and API keys: keys are high-entropy, shown once, stored only as an HMAC.
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
  async createKey(accountName: string, opts: { sandbox?: boolean; presetKey?: string } = {}): Promise<CreatedKey> {
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

  async revokeKey(id: string): Promise<void> {
    if (!(await this.store.revokeApiKey(id, this.clock.now()))) throw new OtpError('not_found', `No live key with id '${id}'.`);
  }
}
