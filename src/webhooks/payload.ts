// The JSON body of an event webhook, in the Standard Webhooks shape {type, timestamp, data}.
import type { VerificationEvent } from '../core/events.js';

/** Fixed when the event happens, so every retry sends the same bytes under the same webhook-id. */
export function eventBody(ev: VerificationEvent): string {
  const v = ev.verification;
  return JSON.stringify({
    type: ev.type,
    timestamp: new Date(ev.at).toISOString(),
    data: {
      id: v.id,
      to: v.to,
      channel: v.channel,
      status: v.status === 'pending' && ev.at >= v.expiresAt ? 'expired' : v.status,
      attempts: v.attempts,
      max_attempts: v.maxAttempts,
      send_count: v.sendCount,
      reference: v.reference,
      metadata: v.metadata ?? {},
      payload: v.payload ?? null,
      created_at: new Date(v.createdAt).toISOString(),
      expires_at: new Date(v.expiresAt).toISOString(),
      ...(ev.send
        ? { send: { id: ev.send.id, channel: ev.send.channel, provider: ev.send.provider, status: ev.send.status, error: ev.send.error } }
        : {}),
    },
  });
}
