// TXN tokens bound to mid + orderId, order ids already used, and spent checksums: all kept in store.dialects so they hold across nodes and restarts.
import { createHash } from 'node:crypto';
import type { Secrets } from '../../core/code.js';
import type { DialectState, DialectStore } from '../../store/dialect-types.js';
import { DialectCredentials } from '../credentials.js';

const DIALECT = 'paytm';

/** Paytm's TXN token is valid for 15 minutes. */
export const TXN_TOKEN_TTL_MS = 15 * 60 * 1000;

/**
 * How long an order id (and a spent checksum) is remembered. Paytm's checksum signs the body only,
 * with no timestamp inside, so replays are refused by memory; it is bounded so the table does not grow with traffic.
 */
export const ORDER_MEMORY_MS = 7 * 24 * 60 * 60 * 1000;

/** What a TXN token stands for. `vid` is the verification its latest OTP generate started. */
export interface TxnSession {
  mid: string;
  orderId: string;
  vid: string | null;
  expiresAt: number;
}

export type OrderOutcome = { kind: 'new' | 'idempotent'; token: string } | { kind: 'duplicate' };

const digest = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64url');

export class PaytmSessions {
  constructor(
    private readonly store: DialectStore,
    private readonly secrets: Secrets,
  ) {}

  /** Marks a verified checksum as spent; false when it was already spent (a replayed request). */
  spendSignature(accountId: string, signature: string, now: number): Promise<boolean> {
    return this.store.putStateIfAbsent(this.entry(accountId, 'sig', digest(signature), '', now + ORDER_MEMORY_MS), now);
  }

  /**
   * Opens an order and issues its TXN token. The same order body again (signed afresh) while the
   * token lives gets the same token, as Paytm's "Success Idempotent"; anything else on a used order id is a duplicate.
   */
  async openOrder(accountId: string, mid: string, orderId: string, bodyHash: string, now: number): Promise<OrderOutcome> {
    const orderKey = `${mid}\0${orderId}`;
    for (let tries = 0; tries < 2; tries++) {
      // Paytm's shape: 32 hex characters and the epoch milliseconds of issue.
      const token = DialectCredentials.hex(16) + String(now).padStart(13, '0');
      const value = JSON.stringify({ bodyHash, token: this.secrets.seal(token).toString('base64') });
      if (await this.store.putStateIfAbsent(this.entry(accountId, 'order', orderKey, value, now + ORDER_MEMORY_MS), now)) {
        const session: TxnSession = { mid, orderId, vid: null, expiresAt: now + TXN_TOKEN_TTL_MS };
        await this.store.putState(this.txnEntry(accountId, token, session));
        return { kind: 'new', token };
      }
      const existing = await this.store.getState(DIALECT, accountId, 'order', orderKey, now);
      if (!existing) continue; // expired in between: try to claim it again
      const prior = JSON.parse(existing.value) as { bodyHash: string; token: string };
      if (prior.bodyHash !== bodyHash) return { kind: 'duplicate' };
      const priorToken = this.secrets.open(Buffer.from(prior.token, 'base64'));
      const live = await this.session(accountId, priorToken, now);
      return live ? { kind: 'idempotent', token: priorToken } : { kind: 'duplicate' };
    }
    return { kind: 'duplicate' };
  }

  /** The live session of a TXN token in this account, or null (unknown, expired, or another account's). */
  async session(accountId: string, token: string, now: number): Promise<TxnSession | null> {
    const s = await this.store.getState(DIALECT, accountId, 'txn', digest(token), now);
    if (!s) return null;
    const v = JSON.parse(s.value) as Omit<TxnSession, 'expiresAt'>;
    return { ...v, expiresAt: s.expiresAt ?? now };
  }

  /** Points the session at the verification its latest generate started; the token keeps its expiry. */
  async bindVerification(accountId: string, token: string, session: TxnSession, vid: string): Promise<void> {
    await this.store.putState(this.txnEntry(accountId, token, { ...session, vid }));
  }

  private txnEntry(accountId: string, token: string, s: TxnSession): DialectState {
    return this.entry(accountId, 'txn', digest(token), JSON.stringify({ mid: s.mid, orderId: s.orderId, vid: s.vid }), s.expiresAt);
  }

  private entry(accountId: string, kind: string, key: string, value: string, expiresAt: number): DialectState {
    return { dialect: DIALECT, accountId, kind, key, value, expiresAt };
  }
}
