// Operational routes: liveness, readiness (store reachable) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';
import type { Store } from '../../store/types.js';

export function healthRoutes(app: FastifyInstance, store: Store, metrics: Metrics): void {
  const tags = ['operations'];
  app.get('/healthz', { schema: { tags, summary: 'The process is up' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags, summary: 'The store is reachable' } }, async () => {
    await store.ping();
    return { status: 'ready', store: store.kind };
  });
  app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
