// SQLite implementation of the webhook store: subscriptions, the event outbox, and the expiry sweep.
import type Database from 'better-sqlite3';
import type { VerificationRecord } from '../../core/types.js';
import { toVerification, type VerificationRow } from '../rows.js';
import { toDelivery, toSubscription, type DeliveryRow, type SubscriptionRow } from '../webhook-rows.js';
import type { NewWebhookEvent, WebhookDelivery, WebhookJob, WebhookStore, WebhookSubscription } from '../webhook-types.js';

export class SqliteWebhookStore implements WebhookStore {
  private readonly enqueueTxn: (e: NewWebhookEvent, ids: string[], now: number) => void;
  private readonly claimTxn: Database.Transaction<(now: number, leaseMs: number, limit: number) => WebhookJob[]>;
  private readonly deleteTxn: (accountId: string, id: string) => boolean;

  constructor(
    db: Database.Database,
    private readonly s: (sql: string) => Database.Statement,
  ) {
    this.enqueueTxn = db.transaction((e: NewWebhookEvent, ids: string[], now: number) => {
      const ins = this.s(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, type, body, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
      );
      for (const id of ids) ins.run(id, e.eventId, e.type, e.body, now, now, now);
    });
    this.claimTxn = db.transaction((now: number, leaseMs: number, limit: number) => {
      const rows = this.s(
        `UPDATE webhook_deliveries SET lease_until = ?, attempts = attempts + 1, updated_at = ?
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'queued' AND next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?)
         RETURNING *`,
      ).all(now + leaseMs, now, now, now, limit) as DeliveryRow[];
      const jobs: WebhookJob[] = [];
      for (const r of rows) {
        const sub = this.s('SELECT * FROM webhook_subscriptions WHERE id = ?').get(r.subscription_id) as SubscriptionRow | undefined;
        if (sub) jobs.push({ delivery: toDelivery(r), subscription: toSubscription(sub) });
        else this.s("UPDATE webhook_deliveries SET status = 'failed', last_error = 'subscription deleted' WHERE id = ?").run(r.id);
      }
      return jobs;
    });
    this.deleteTxn = db.transaction((accountId: string, id: string) => {
      const gone = this.s('DELETE FROM webhook_subscriptions WHERE id = ? AND account_id = ?').run(id, accountId).changes === 1;
      if (gone) this.s("DELETE FROM webhook_deliveries WHERE subscription_id = ? AND status = 'queued'").run(id);
      return gone;
    });
  }

  async createSubscription(w: WebhookSubscription): Promise<void> {
    this.s('INSERT INTO webhook_subscriptions (id, account_id, url, events, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      w.id, w.accountId, w.url, JSON.stringify(w.events), w.secretSealed, w.createdAt,
    );
  }

  async listSubscriptions(accountId: string): Promise<WebhookSubscription[]> {
    return (this.s('SELECT * FROM webhook_subscriptions WHERE account_id = ? ORDER BY id').all(accountId) as SubscriptionRow[]).map(toSubscription);
  }

  async getSubscription(accountId: string, id: string): Promise<WebhookSubscription | null> {
    const r = this.s('SELECT * FROM webhook_subscriptions WHERE id = ? AND account_id = ?').get(id, accountId) as SubscriptionRow | undefined;
    return r ? toSubscription(r) : null;
  }

  async deleteSubscription(accountId: string, id: string): Promise<boolean> {
    return this.deleteTxn(accountId, id);
  }

  async enqueue(e: NewWebhookEvent, subscriptionIds: string[], now: number): Promise<void> {
    if (subscriptionIds.length) this.enqueueTxn(e, subscriptionIds, now);
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<WebhookJob[]> {
    return this.claimTxn.immediate(now, leaseMs, limit);
  }

  async settle(id: number, status: WebhookDelivery['status'], now: number, opts: { error?: string | null; retryAt?: number }): Promise<void> {
    this.s('UPDATE webhook_deliveries SET status = ?, last_error = ?, next_attempt_at = ?, lease_until = 0, updated_at = ? WHERE id = ?').run(
      status, opts.error ?? null, opts.retryAt ?? now, now, id,
    );
  }

  async listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]> {
    return (this.s('SELECT * FROM webhook_deliveries WHERE subscription_id = ? ORDER BY id DESC LIMIT ?').all(subscriptionId, limit) as DeliveryRow[]).map(toDelivery);
  }

  async purgeDeliveries(before: number, limit: number): Promise<number> {
    return this.s("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status <> 'queued' AND updated_at < ? LIMIT ?)").run(before, limit)
      .changes;
  }

  async expireDue(now: number, limit: number): Promise<VerificationRecord[]> {
    const rows = this.s(
      `UPDATE verifications SET status = 'expired', code_sealed = NULL, updated_at = ?
       WHERE id IN (SELECT id FROM verifications WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?) AND status = 'pending'
       RETURNING *`,
    ).all(now, now, limit) as VerificationRow[];
    return rows.map(toVerification);
  }
}
