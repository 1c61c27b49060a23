// The store contract for event webhooks: subscriptions, and an outbox of signed event deliveries.
import type { VerificationRecord } from '../core/types.js';

export interface WebhookSubscription {
  id: string;
  accountId: string;
  url: string;
  /** Event types delivered to this URL. */
  events: string[];
  /** Standard Webhooks signing secret (whsec_…), sealed at rest. */
  secretSealed: Buffer;
  createdAt: number;
}

/** One event bound for one subscription: the outbox row and the delivery log at once. */
export interface WebhookDelivery {
  id: number;
  subscriptionId: string;
  /** The Standard Webhooks `webhook-id`: the same on every retry, so receivers can de-duplicate. */
  eventId: string;
  type: string;
  /** The exact JSON body, fixed when the event happened. */
  body: string;
  status: 'queued' | 'delivered' | 'failed';
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface NewWebhookEvent {
  eventId: string;
  type: string;
  body: string;
}

/** A claimed delivery with where it goes. */
export interface WebhookJob {
  delivery: WebhookDelivery;
  subscription: WebhookSubscription;
}

export interface WebhookStore {
  createSubscription(s: WebhookSubscription): Promise<void>;
  listSubscriptions(accountId: string): Promise<WebhookSubscription[]>;
  getSubscription(accountId: string, id: string): Promise<WebhookSubscription | null>;
  /** Deletes the subscription and drops its queued deliveries. */
  deleteSubscription(accountId: string, id: string): Promise<boolean>;

  /** Queues `event` for each of the given subscriptions, in one transaction. */
  enqueue(event: NewWebhookEvent, subscriptionIds: string[], now: number): Promise<void>;
  /** Leases up to `limit` due queued deliveries to this dispatcher. */
  claim(now: number, leaseMs: number, limit: number): Promise<WebhookJob[]>;
  /** Records an attempt's outcome; `retryAt` re-queues it. */
  settle(id: number, status: WebhookDelivery['status'], now: number, opts: { error?: string | null; retryAt?: number }): Promise<void>;
  /** The deliveries of one subscription, newest first (for the API and tests). */
  listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]>;
  /** Deletes settled deliveries older than `before`; returns how many. */
  purgeDeliveries(before: number, limit: number): Promise<number>;

  /**
   * Marks up to `limit` pending verifications whose time ran out as `expired` (clearing their sealed
   * code) and returns them, so each expiry is announced exactly once even with many nodes sweeping.
   */
  expireDue(now: number, limit: number): Promise<VerificationRecord[]>;
}
