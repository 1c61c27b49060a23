// PostgreSQL implementation of the webhook store: subscriptions, the event outbox (SKIP LOCKED), and the expiry sweep.
import type pg from 'pg';
import type { VerificationRecord } from '../../core/types.js';
import { toVerification, type VerificationRow } from '../rows.js';
import { toDelivery, toSubscription, type DeliveryRow, type SubscriptionRow } from '../webhook-rows.js';
import type { NewWebhookEvent, WebhookDelivery, WebhookJob, WebhookStore, WebhookSubscription } from '../webhook-types.js';

type Query = <T>(sql: string, params?: unknown[], c?: pg.PoolClient) => Promise<T[]>;
type Tx = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

export class PostgresWebhookStore implements WebhookStore {
  constructor(
    private readonly q: Query,
    private readonly tx: Tx,
  ) {}

  async createSubscription(w: WebhookSubscription): Promise<void> {
    await this.q('INSERT INTO webhook_subscriptions (id, account_id, url, events, secret_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      w.id, w.accountId, w.url, JSON.stringify(w.events), w.secretSealed, w.createdAt,
    ]);
  }

  async listSubscriptions(accountId: string): Promise<WebhookSubscription[]> {
    return (await this.q<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE account_id = $1 ORDER BY id', [accountId])).map(toSubscription);
  }

  async getSubscription(accountId: string, id: string): Promise<WebhookSubscription | null> {
    const [r] = await this.q<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE id = $1 AND account_id = $2', [id, accountId]);
    return r ? toSubscription(r) : null;
  }

  async deleteSubscription(accountId: string, id: string): Promise<boolean> {
    return this.tx(async (c) => {
      const gone = (await this.q('DELETE FROM webhook_subscriptions WHERE id = $1 AND account_id = $2 RETURNING id', [id, accountId], c)).length === 1;
      if (gone) await this.q("DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'queued'", [id], c);
      return gone;
    });
  }

  async enqueue(e: NewWebhookEvent, subscriptionIds: string[], now: number): Promise<void> {
    if (!subscriptionIds.length) return;
    // One statement for every subscription: atomic without an explicit transaction.
    await this.q(
      `INSERT INTO webhook_deliveries (subscription_id, event_id, type, body, status, next_attempt_at, created_at, updated_at)
       SELECT s, $2, $3, $4, 'queued', $5, $5, $5 FROM unnest($1::text[]) AS s`,
      [subscriptionIds, e.eventId, e.type, e.body, now],
    );
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<WebhookJob[]> {
    const rows = await this.q<DeliveryRow & { s_id: string | null; s_account_id: string; s_url: string; s_events: string; s_secret_sealed: Buffer; s_created_at: string }>(
      `WITH claimed AS (
         UPDATE webhook_deliveries SET lease_until = $1, attempts = attempts + 1, updated_at = $2
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'queued' AND next_attempt_at <= $2 AND lease_until <= $2
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *
       )
       SELECT c.*, s.id AS s_id, s.account_id AS s_account_id, s.url AS s_url, s.events AS s_events, s.secret_sealed AS s_secret_sealed, s.created_at AS s_created_at
       FROM claimed c LEFT JOIN webhook_subscriptions s ON s.id = c.subscription_id`,
      [now + leaseMs, now, limit],
    );
    const jobs: WebhookJob[] = [];
    for (const r of rows) {
      if (r.s_id === null) {
        await this.settle(Number(r.id), 'failed', now, { error: 'subscription deleted' });
        continue;
      }
      const subscription = toSubscription({ id: r.s_id, account_id: r.s_account_id, url: r.s_url, events: r.s_events, secret_sealed: r.s_secret_sealed, created_at: r.s_created_at });
      jobs.push({ delivery: toDelivery(r), subscription });
    }
    return jobs;
  }

  async settle(id: number, status: WebhookDelivery['status'], now: number, opts: { error?: string | null; retryAt?: number }): Promise<void> {
    await this.q('UPDATE webhook_deliveries SET status = $1, last_error = $2, next_attempt_at = $3, lease_until = 0, updated_at = $4 WHERE id = $5', [
      status, opts.error ?? null, opts.retryAt ?? now, now, id,
    ]);
  }

  async listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]> {
    return (await this.q<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2', [subscriptionId, limit])).map(toDelivery);
  }

  async purgeDeliveries(before: number, limit: number): Promise<number> {
    return (
      await this.q("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status <> 'queued' AND updated_at < $1 LIMIT $2) RETURNING 1", [
        before, limit,
      ])
    ).length;
  }

  async expireDue(now: number, limit: number): Promise<VerificationRecord[]> {
    // SKIP LOCKED: nodes sweeping at once split the rows; the status re-check makes each expiry announced once.
    const rows = await this.q<VerificationRow>(
      `UPDATE verifications SET status = 'expired', code_sealed = NULL, updated_at = $1
       WHERE id IN (SELECT id FROM verifications WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         AND status = 'pending'
       RETURNING *`,
      [now, limit],
    );
    return rows.map(toVerification);
  }
}
