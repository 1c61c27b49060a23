// Native v1 event-webhook routes: subscribe a URL to lifecycle events, list, inspect deliveries, delete.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { WebhookDelivery, WebhookSubscription } from '../../store/webhook-types.js';
import type { Subscriptions } from '../../webhooks/subscriptions.js';
import type { Store } from '../../store/types.js';
import { IdParams, WebhookBody, WebhookDeliveryView, WebhookView, commonErrors } from '../schemas.js';

const iso = (t: number) => new Date(t).toISOString();

function view(s: WebhookSubscription, secret?: string) {
  return { id: s.id, url: s.url, events: s.events, created_at: iso(s.createdAt), ...(secret ? { secret } : {}) };
}

function deliveryView(d: WebhookDelivery) {
  return {
    id: d.eventId,
    type: d.type,
    status: d.status,
    attempts: d.attempts,
    created_at: iso(d.createdAt),
    next_attempt_at: d.status === 'queued' ? iso(d.nextAttemptAt) : null,
    last_error: d.lastError,
  };
}

export function webhookRoutes(app: FastifyInstance, subs: Subscriptions, store: Store): void {
  const tags = ['webhooks'];
  app.post<{ Body: Static<typeof WebhookBody> }>(
    '/v1/webhooks',
    { schema: { tags, summary: 'Subscribe a URL to verification events', body: WebhookBody, response: { 201: WebhookView, ...commonErrors } } },
    async (req, reply) => {
      const { subscription, secret } = await subs.create(req.caller.account.id, req.body.url, req.body.events);
      return reply.code(201).send(view(subscription, secret));
    },
  );
  app.get(
    '/v1/webhooks',
    { schema: { tags, summary: 'List webhook subscriptions', response: { 200: Type.Object({ webhooks: Type.Array(WebhookView) }), ...commonErrors } } },
    async (req) => ({ webhooks: (await subs.list(req.caller.account.id)).map((s) => view(s)) }),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/webhooks/:id',
    { schema: { tags, summary: 'Get a webhook subscription', params: IdParams, response: { 200: WebhookView, ...commonErrors } } },
    async (req) => view(await subs.get(req.caller.account.id, req.params.id)),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The latest 100 event deliveries of a subscription, newest first',
        params: IdParams,
        response: { 200: Type.Object({ deliveries: Type.Array(WebhookDeliveryView) }), ...commonErrors },
      },
    },
    async (req) => {
      const s = await subs.get(req.caller.account.id, req.params.id);
      return { deliveries: (await store.webhooks.listDeliveries(s.id, 100)).map(deliveryView) };
    },
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/webhooks/:id',
    { schema: { tags, summary: 'Delete a webhook subscription; its queued events are dropped', params: IdParams, response: { 204: Type.Null(), ...commonErrors } } },
    async (req, reply) => {
      await subs.delete(req.caller.account.id, req.params.id);
      return reply.code(204).send();
    },
  );
}
