// Vendor-shaped credentials: generation, keyed hashing, sealing, and look-up with a short cache.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Caller } from '../core/engine.js';
import { newId } from '../core/ids.js';
import { TtlCache } from '../core/ttl-cache.js';
import type { DialectCredential } from '../store/dialect-types.js';
import type { Store } from '../store/types.js';
import type { CredentialOptions } from './types.js';

/** Same bound as native API keys: a revocation made elsewhere takes effect within this time. */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

export interface ResolvedCredential {
  credential: DialectCredential;
  caller: Caller;
}

export class DialectCredentials {
  private readonly cache = new TtlCache<ResolvedCredential>(CACHE_TTL_MS, CACHE_MAX);

  constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {}

  /** Random hex of `bytes` bytes (Twilio-style ids and tokens are 32 hex characters). */
  static hex(bytes: number): string {
    return randomBytes(bytes).toString('hex');
  }

  /** Random URL-safe text of `bytes` bytes. */
  static token(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  /** The keyed hash under which a bearer token is both identified and checked (`lookup`). */
  lookupFor(dialect: string, token: string): string {
    return this.secrets.hashApiKey(`${dialect}\0lookup\0${token}`).toString('base64url');
  }

  /** Keyed hash of a secret presented in clear (a Basic-auth password). */
  hashSecret(dialect: string, secret: string): Buffer {
    return this.secrets.hashApiKey(`${dialect}\0secret\0${secret}`);
  }

  /** Constant-time check of a presented secret against the credential's stored hash. */
  secretMatches(c: DialectCredential, presented: string): boolean {
    if (!c.secretHash) return false;
    const h = this.hashSecret(c.dialect, presented);
    return h.length === c.secretHash.length && timingSafeEqual(h, c.secretHash);
  }

  seal(secret: string): Buffer {
    return this.secrets.seal(secret);
  }

  /** The sealed secret in clear, for checking a signature made with it. */
  openSecret(c: DialectCredential): string {
    if (!c.secretSealed) throw new Error(`credential ${c.id} has no sealed secret`);
    return this.secrets.open(c.secretSealed);
  }

  /** A credential record with the common fields filled in. */
  newRecord(dialect: string, o: CredentialOptions, fields: Pick<DialectCredential, 'lookup'> & Partial<DialectCredential>): DialectCredential {
    return {
      id: newId('cred', o.now),
      accountId: o.account.id,
      dialect,
      secretHash: null,
      secretSealed: null,
      extra: {},
      sandbox: o.sandbox,
      createdAt: o.now,
      revokedAt: null,
      ...fields,
    };
  }

  /** The live credential of `dialect` named by `lookup`, with its caller; null when unknown or revoked. */
  async find(dialect: string, lookup: string): Promise<ResolvedCredential | null> {
    const id = `${dialect}\0${lookup}`;
    const now = this.clock.now();
    const cached = this.cache.get(id, now);
    if (cached) return cached;
    const credential = await this.store.dialects.findCredential(dialect, lookup);
    const account = credential ? await this.store.getAccount(credential.accountId) : null;
    if (!credential || !account) {
      this.cache.delete(id);
      return null;
    }
    const hit = { credential, caller: { account, sandbox: credential.sandbox } };
    // Only found credentials are cached, so guessed identifiers cannot fill the cache.
    this.cache.set(id, hit, now);
    return hit;
  }
}
