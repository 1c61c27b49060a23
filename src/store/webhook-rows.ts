// Row <-> record mapping for the webhook tables, shared by the SQL stores.
import { num, type Num } from './rows.js';
import type { WebhookDelivery, WebhookSubscription } from './webhook-types.js';

export interface SubscriptionRow {
  id: string;
  account_id: string;
  url: string;
  events: string;
  secret_sealed: Buffer;
  created_at: Num;
}

export interface DeliveryRow {
  id: Num;
  subscription_id: string;
  event_id: string;
  type: string;
  body: string;
  status: string;
  attempts: Num;
  next_attempt_at: Num;
  created_at: Num;
  last_error: string | null;
}

export function toSubscription(r: SubscriptionRow): WebhookSubscription {
  return { id: r.id, accountId: r.account_id, url: r.url, events: JSON.parse(r.events) as string[], secretSealed: r.secret_sealed, createdAt: num(r.created_at) };
}

export function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: num(r.id),
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    type: r.type,
    body: r.body,
    status: r.status as WebhookDelivery['status'],
    attempts: num(r.attempts),
    createdAt: num(r.created_at),
    nextAttemptAt: num(r.next_attempt_at),
    lastError: r.last_error,
  };
}
