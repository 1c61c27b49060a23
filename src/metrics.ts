// Prometheus metrics (prom-client): one registry per process, counters the engine and worker feed.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly created = new Counter({ name: 'otpd_verifications_created_total', help: 'Verifications created', labelNames: ['channel'], registers: [this.registry] });
  readonly checked = new Counter({ name: 'otpd_checks_total', help: 'Code checks by outcome', labelNames: ['reason'], registers: [this.registry] });
  readonly deliveries = new Counter({ name: 'otpd_deliveries_total', help: 'Delivery outcomes', labelNames: ['channel', 'status'], registers: [this.registry] });
  readonly httpResponses = new Counter({ name: 'otpd_http_responses_total', help: 'HTTP responses by status class', labelNames: ['class'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
