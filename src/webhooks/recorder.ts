// Turns lifecycle events into queued webhook deliveries for the account's matching subscriptions.
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { EventBus, VerificationEvent } from '../core/events.js';
import { ulid } from '../core/ids.js';
import type { Store } from '../store/types.js';
import type { PrefixBlock } from '../store/guard-types.js';
import type { WebhookSubscription } from '../store/webhook-types.js';
import { TtlCache } from '../core/ttl-cache.js';
import { eventBody } from './payload.js';

/** How long a node trusts its copy of an account's subscriptions; a change made on another node lands within it. */
export const SUBSCRIPTION_CACHE_MS = 5_000;

export class WebhookRecorder {
  private readonly cache = new TtlCache<WebhookSubscription[]>(SUBSCRIPTION_CACHE_MS, 10_000);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onQueued: () => void,
  ) {}

  attach(bus: EventBus): void {
    this.unsubscribe = bus.subscribe((ev) => this.record(ev));
  }

  detach(): void {
    this.unsubscribe?.();
  }

  /** Forget an account's cached subscriptions (after a change on this node). */
  invalidate(accountId: string): void {
    this.cache.delete(accountId);
  }

  /**
   * Queues the event for each subscription that asked for its type. When the cache already says nobody
   * did (the usual case: two events on every verification's path), it answers at once, without a promise.
   */
  record(ev: VerificationEvent): Promise<void> | undefined {
    const accountId = ev.verification.accountId;
    const cached = this.cache.get(accountId, this.clock.now());
    if (cached && !cached.some((s) => s.events.includes(ev.type))) return undefined;
    return this.queue(accountId, ev.type, ev.at, () => eventBody(ev), { verification_id: ev.verification.id });
  }

  /** Queues `fraud.prefix_blocked` for the account's subscribers. */
  async recordFraud(b: PrefixBlock): Promise<void> {
    const type = 'fraud.prefix_blocked';
    const body = () =>
      JSON.stringify({
        type,
        timestamp: new Date(b.createdAt).toISOString(),
        data: { prefix: b.prefix, blocked_until: new Date(b.until).toISOString(), reason: b.reason },
      });
    await this.queue(b.accountId, type, b.createdAt, body, { prefix: b.prefix });
  }

  /** One outbox row per subscription that asked for `type`; the body is built only when someone did. */
  private async queue(accountId: string, type: string, at: number, body: () => string, logCtx: Record<string, string>): Promise<void> {
    const subs = (await this.subscriptions(accountId)).filter((s) => s.events.includes(type));
    if (!subs.length) return;
    try {
      await this.store.webhooks.enqueue({ eventId: `evt_${ulid(at)}`, type, body: body() }, subs.map((s) => s.id), this.clock.now());
      this.onQueued();
    } catch (e) {
      this.log.error({ err: e, event: type, ...logCtx }, 'event webhook could not be queued');
    }
  }

  private async subscriptions(accountId: string): Promise<WebhookSubscription[]> {
    const now = this.clock.now();
    const hit = this.cache.get(accountId, now);
    if (hit) return hit;
    const subs = await this.store.webhooks.listSubscriptions(accountId);
    this.cache.set(accountId, subs, now);
    return subs;
  }
}
