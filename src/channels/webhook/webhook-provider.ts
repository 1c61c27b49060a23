// Webhook provider: POSTs the code to the account's delivery URL, signed per Standard Webhooks.
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import type { Secrets } from '../../core/code.js';
import type { Clock } from '../../core/clock.js';
import { DeliveryError, type OutboundMessage, type Provider } from '../types.js';

export class WebhookProvider implements Provider {
  readonly name = 'webhook';
  constructor(
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const { webhookUrl, webhookSecretSealed } = msg.account;
    if (!webhookUrl || !webhookSecretSealed) throw new DeliveryError('account has no delivery webhook', true);
    const payload = JSON.stringify({
      type: 'verification.code',
      verification_id: msg.verificationId,
      to: msg.to,
      channel: msg.channel,
      locale: msg.locale,
      code: msg.code,
      message: msg.body,
      sender: msg.sender,
    });
    const id = msg.messageId;
    const at = new Date(this.clock.now());
    const signature = new Webhook(this.secrets.open(webhookSecretSealed)).sign(id, at, payload);
    let status: number;
    try {
      const res = await request(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'otpd-webhook/1',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: payload,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (e) {
      throw new DeliveryError(`webhook request failed: ${(e as Error).message}`, false);
    }
    if (status >= 200 && status < 300) return { status: 'sent' };
    // 408 and 429 say "later"; other 4xx say the request itself is wrong and will stay wrong.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new DeliveryError(`webhook answered HTTP ${status}`, permanent);
  }
}
