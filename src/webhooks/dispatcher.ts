// Delivers queued event webhooks: Standard Webhooks signatures, retries on the schedule for about 27 h, then gives up.
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import { WorkPool } from '../delivery/work-pool.js';
import type { Store } from '../store/types.js';
import type { WebhookJob } from '../store/webhook-types.js';
import { nextRetryAt } from './schedule.js';

export interface DispatcherOptions {
  timeoutMs: number;
  pollMs: number;
  leaseMs: number;
  /** The most webhooks being sent at once; a claim takes at most the free slots. */
  batchSize: number;
  /** Outcome of each attempt, for metrics. */
  onAttempt?: (type: string, result: 'delivered' | 'retry' | 'failed') => void;
}

/** Delivers queued event webhooks: `wake()` when one is queued, `drain()` to send every due one now (tests). */
export class WebhookDispatcher extends WorkPool<WebhookJob> {
  constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: DispatcherOptions,
  ) {
    super('webhook dispatcher', opts.pollMs, log, opts.batchSize);
  }

  protected claim(limit: number): Promise<WebhookJob[]> {
    return this.store.webhooks.claim(this.clock.now(), this.opts.leaseMs, limit);
  }

  protected async handle({ delivery: d, subscription: s }: WebhookJob): Promise<void> {
    const at = new Date(this.clock.now());
    let error: string;
    try {
      const signature = new Webhook(this.secrets.open(s.secretSealed)).sign(d.eventId, at, d.body);
      const res = await request(s.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'otpd-webhook/1',
          'webhook-id': d.eventId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: d.body,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        await this.store.webhooks.settle(d.id, 'delivered', this.clock.now(), {});
        this.opts.onAttempt?.(d.type, 'delivered');
        return;
      }
      error = `HTTP ${res.statusCode}`;
    } catch (e) {
      error = (e as Error).message;
    }
    // Every failure is retried (Standard Webhooks): a receiver that is down or misconfigured may recover.
    const retryAt = nextRetryAt(d.attempts, this.clock.now());
    const now = this.clock.now();
    if (retryAt === null) {
      await this.store.webhooks.settle(d.id, 'failed', now, { error });
      this.log.warn({ webhook_id: s.id, event_id: d.eventId, attempts: d.attempts, error }, 'event webhook given up');
      this.opts.onAttempt?.(d.type, 'failed');
    } else {
      await this.store.webhooks.settle(d.id, 'queued', now, { error, retryAt });
      this.log.info({ webhook_id: s.id, event_id: d.eventId, attempts: d.attempts, error }, 'event webhook failed; will retry');
      this.opts.onAttempt?.(d.type, 'retry');
    }
  }
}
