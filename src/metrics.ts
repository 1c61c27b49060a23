// Prometheus metrics (prom-client): one registry per process, counters the engine and worker feed.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly created = new Counter({ name: 'otpd_verifications_created_total', help: 'Verifications created', labelNames: ['channel'], registers: [this.registry] });
  readonly checked = new Counter({ name: 'otpd_checks_total', help: 'Code checks by outcome', labelNames: ['reason'], registers: [this.registry] });
  readonly deliveries = new Counter({
    name: 'otpd_deliveries_total',
    help: 'Send outcomes per round: sent, delivered, failed, undeliverable, or retry (back to the outbox)',
    labelNames: ['channel', 'status'],
    registers: [this.registry],
  });
  readonly providerAttempts = new Counter({
    name: 'otpd_provider_attempts_total',
    help: 'Provider calls by result; a transient or permanent error followed by another provider is a failover',
    labelNames: ['channel', 'provider', 'result'],
    registers: [this.registry],
  });
  readonly circuitOpen = new Gauge({
    name: 'otpd_provider_circuit_open',
    help: '1 while a provider is skipped after repeated failures (its circuit is open), else 0',
    labelNames: ['provider'],
    registers: [this.registry],
  });
  readonly providerLatency = new Histogram({
    name: 'otpd_provider_attempt_seconds',
    help: 'Time a provider took to accept or refuse a message',
    labelNames: ['channel', 'provider'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'otpd_event_webhook_attempts_total',
    help: 'Event webhook POSTs by event type and result: delivered, retry (queued again) or failed (given up)',
    labelNames: ['type', 'result'],
    registers: [this.registry],
  });
  readonly guardRefusals = new Counter({
    name: 'otpd_guard_refusals_total',
    help: 'Requests refused by a rate limit, geo rule or the pumping guard, by limit',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  readonly prefixBlocks = new Counter({ name: 'otpd_fraud_prefix_blocks_total', help: 'Destination prefixes blocked by the SMS-pumping guard', registers: [this.registry] });
  readonly failovers = new Counter({
    name: 'otpd_delivery_failovers_total',
    help: 'Sends accepted by a provider after earlier providers of the channel failed or were skipped, by the provider that took over',
    labelNames: ['channel', 'provider'],
    registers: [this.registry],
  });
  readonly deliveryLatency = new Histogram({
    name: 'otpd_delivery_seconds',
    help: 'Time from a send being queued to a provider accepting it, retries and failovers included',
    labelNames: ['channel', 'provider'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly httpResponses = new Counter({ name: 'otpd_http_responses_total', help: 'HTTP responses by status class', labelNames: ['class'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
