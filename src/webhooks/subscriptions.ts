// Event-webhook subscriptions of an account: create (secret shown once), list, get, delete.
import { randomBytes } from 'node:crypto';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import { OtpError } from '../core/errors.js';
import { EVENT_TYPES } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Store } from '../store/types.js';
import type { WebhookSubscription } from '../store/webhook-types.js';
import type { WebhookRecorder } from './recorder.js';

/** At most this many subscriptions per account: each event fans out to all of them. */
export const MAX_SUBSCRIPTIONS = 20;

export class Subscriptions {
  constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    private readonly recorder: WebhookRecorder,
  ) {}

  /** Creates a subscription; returns it with its signing secret, the only time the secret is shown. */
  async create(accountId: string, url: string, events: string[]): Promise<{ subscription: WebhookSubscription; secret: string }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw invalid('url', 'must be an absolute http or https URL');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid('url', 'must be an absolute http or https URL');
    const unknown = events.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e));
    if (unknown.length) throw invalid('events', `unknown event type(s): ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
    if ((await this.store.webhooks.listSubscriptions(accountId)).length >= MAX_SUBSCRIPTIONS) {
      throw new OtpError('invalid_request', `An account can have at most ${MAX_SUBSCRIPTIONS} webhook subscriptions.`);
    }
    const now = this.clock.now();
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const subscription: WebhookSubscription = { id: newId('whk', now), accountId, url, events: [...new Set(events)], secretSealed: this.secrets.seal(secret), createdAt: now };
    await this.store.webhooks.createSubscription(subscription);
    this.recorder.invalidate(accountId);
    return { subscription, secret };
  }

  list(accountId: string): Promise<WebhookSubscription[]> {
    return this.store.webhooks.listSubscriptions(accountId);
  }

  async get(accountId: string, id: string): Promise<WebhookSubscription> {
    const s = await this.store.webhooks.getSubscription(accountId, id);
    if (!s) throw new OtpError('not_found', 'No webhook subscription with that id exists in this account.');
    return s;
  }

  async delete(accountId: string, id: string): Promise<void> {
    if (!(await this.store.webhooks.deleteSubscription(accountId, id))) throw new OtpError('not_found', 'No webhook subscription with that id exists in this account.');
    this.recorder.invalidate(accountId);
  }
}

function invalid(field: string, detail: string): OtpError {
  return new OtpError('invalid_request', `\`${field}\` ${detail}.`, { fields: [{ field, detail }] });
}
