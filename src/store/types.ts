// The store contract: atomic primitives the engine composes; one folder per backend implements it.
import type { AccountSettings } from '../core/account-settings.js';
import type { Account, ApiKeyRecord, Channel, SendRecord, SendStatus, TemplateRecord, Transition, VerificationRecord } from '../core/types.js';

import type { DialectStore } from './dialect-types.js';
import type { GuardStore } from './guard-types.js';
import type { WebhookStore } from './webhook-types.js';

export type { Transition } from '../core/types.js';

export interface NewSend {
  channel: Channel;
  /** `queued` goes to the outbox; `sandbox` is recorded but never delivered. */
  status: 'queued' | 'sandbox';
}

export interface IdempotencyInput {
  key: string;
  requestHash: string;
  expiresAt: number;
}

/** `expired`: pending verifications of the recipient this call found past their expiry and closed (PostgreSQL). */
export type InsertResult =
  | { kind: 'created'; record: VerificationRecord; sends: SendRecord[]; expired?: VerificationRecord[] }
  /** A live pending verification exists for this recipient; the engine turns the create into a send. */
  | { kind: 'pending_exists'; record: VerificationRecord; expired?: VerificationRecord[] }
  | { kind: 'idempotent_replay'; verificationId: string; requestHash: string };

export type SendResult =
  | { sent: true; record: VerificationRecord; sends: SendRecord[] }
  | { sent: false; record: VerificationRecord | null };

export type AttemptResult =
  /** The verification is missing (null), or no longer open for checks. */
  | { counted: false; record: VerificationRecord | null }
  /** Counted; `record` is the row after counting and after `transition`, if any. */
  | { counted: true; record: VerificationRecord; transition: Transition | null };

/**
 * What a code check compares, for a backend that decides in one statement instead of calling
 * `decide` between two: the keyed hash of the candidate code (HMAC, so its bytes say nothing about
 * the code without the server's secret). The decision must equal `decideCheck`.
 */
export interface CheckCandidate {
  codeHash: Buffer;
}

export interface ReceiptResult {
  send: SendRecord;
  verification: VerificationRecord;
}

/** A queued send joined with what delivery needs; leased to one worker until `leaseUntil`. */
export interface DeliveryJob {
  send: SendRecord;
  verification: VerificationRecord;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: string;
  privateSealed: Buffer;
  createdAt: number;
  /** `current` signs; `previous` stays in the JWKS so tokens in flight still verify. */
  state: 'current' | 'previous' | 'retired';
}

export interface Store {
  readonly kind: string;
  /** Credentials and state of the compatible dialects. */
  readonly dialects: DialectStore;
  /** Event-webhook subscriptions and their outbox. */
  readonly webhooks: WebhookStore;
  /** Rate-limit counters, prefix statistics and blocks. */
  readonly guard: GuardStore;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  createAccount(a: Account): Promise<Account>;
  getAccount(id: string): Promise<Account | null>;
  findAccountByName(name: string): Promise<Account | null>;
  listAccounts(): Promise<Account[]>;
  setAccountWebhook(id: string, url: string | null, secretSealed: Buffer | null): Promise<void>;
  /** Replaces the account's settings (read-modify-write is the caller's: settings change rarely, by an operator). */
  setAccountSettings(id: string, settings: AccountSettings): Promise<void>;

  createApiKey(k: ApiKeyRecord): Promise<void>;
  /** The live (unrevoked) key with this hash. */
  findApiKeyByHash(hash: Buffer): Promise<ApiKeyRecord | null>;
  listApiKeys(accountId?: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string, now: number): Promise<boolean>;
  /** Records that the key was used at `at` (only moves forward). */
  touchApiKey(id: string, at: number): Promise<void>;
  countApiKeys(accountId: string): Promise<number>;

  /**
   * In one transaction: replay an idempotency key, or find a live pending verification for the
   * recipient, or insert the verification, its first send and the idempotency key.
   */
  insertVerification(v: VerificationRecord, send: NewSend, now: number, idem?: IdempotencyInput): Promise<InsertResult>;
  /**
   * Atomically count one more send if the verification is pending, unexpired, under its send cap and
   * past the cooldown; records the send (and idempotency key) in the same transaction.
   */
  recordSend(accountId: string, id: string, send: NewSend, now: number, cooldownMs: number, idem?: IdempotencyInput): Promise<SendResult>;
  getVerification(accountId: string, id: string): Promise<VerificationRecord | null>;
  /** The newest pending verification for the recipient, else the newest of any status. */
  findLatestForRecipient(accountId: string, to: string): Promise<VerificationRecord | null>;
  listSends(verificationId: string): Promise<SendRecord[]>;
  /**
   * In one transaction: count one check attempt if the verification is pending, unexpired and under
   * its cap; then apply the transition `decide` picks for the counted row (a pure function).
   * The record answered leaves out the code material (`codeHash` empty, `codeSealed` null): nothing a
   * check answers needs it, it does not travel with the check's events, and not reading it spares
   * the driver a Buffer for each of the two columns on every check.
   */
  attempt(accountId: string, id: string, now: number, decide: (counted: VerificationRecord) => Transition | null, candidate?: CheckCandidate): Promise<AttemptResult>;
  /** pending -> `to`, only if still pending; clears the sealed code. False if it was not pending. */
  finish(id: string, to: 'approved' | 'max_attempts_reached' | 'canceled' | 'failed', now: number): Promise<boolean>;

  /** Lease up to `limit` due queued sends to this worker. */
  claimDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryJob[]>;
  /** Final or intermediate status of a send; `retryAt` re-queues it for a later attempt. */
  updateSend(id: number, status: SendStatus, now: number, opts: { provider?: string | null; error?: string | null; retryAt?: number }): Promise<void>;

  /**
   * A provider's delivery receipt for a send it accepted: `sent` -> `delivered`, `undeliverable` or
   * `failed`. Returns the send after the change and its verification, or null when the send is unknown or not `sent`.
   */
  recordReceipt(sendId: number, status: 'delivered' | 'undeliverable' | 'failed', now: number, error: string | null): Promise<ReceiptResult | null>;

  createTemplate(t: TemplateRecord): Promise<void>;
  getTemplate(accountId: string, id: string): Promise<TemplateRecord | null>;
  findTemplate(accountId: string, channel: Channel, locale: string): Promise<TemplateRecord | null>;
  listTemplates(accountId: string): Promise<TemplateRecord[]>;
  deleteTemplate(accountId: string, id: string): Promise<boolean>;

  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Inserts `k` as current, demotes the current key to previous and the previous to retired. */
  rotateSigningKey(k: SigningKeyRecord): Promise<void>;

  /**
   * Deletes up to `limit` verifications (with their sends) that expired before `before`; returns how
   * many. Safe to run on every node at once.
   */
  purgeVerifications(before: number, limit: number): Promise<number>;
  /** Deletes expired idempotency keys; returns how many. */
  purgeIdempotency(now: number, limit: number): Promise<number>;
}
