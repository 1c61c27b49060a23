// The outbox worker: leases queued sends, delivers them through the channel's providers, records the outcome.
import type { Logger } from 'pino';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import { normaliseRecipient } from '../core/recipient.js';
import type { Account, Channel, VerificationRecord } from '../core/types.js';
import { effectiveStatus } from '../core/verification.js';
import type { EventBus } from '../core/events.js';
import type { ChannelRegistry } from '../channels/registry.js';
import { DeliveryError } from '../channels/types.js';
import type { DeliveryJob, Store } from '../store/types.js';
import { backoffDelay } from './backoff.js';
import { Circuit, type CircuitState } from './circuit.js';
import { ClaimReads } from './claim-reads.js';
import { WorkPool } from './work-pool.js';
import { renderMessage } from './render.js';

/** A claimed send, with the reads it shares with the sends claimed beside it. */
interface ClaimedSend {
  job: DeliveryJob;
  reads: ClaimReads;
}

export interface WorkerOptions {
  /** How long a claimed send is ours before another worker may take it over. */
  leaseMs: number;
  /** The most sends being delivered at once; a claim takes at most the free slots. */
  batchSize: number;
  pollMs: number;
  events?: DeliveryEvents;
  /** Lifecycle events: delivered (a provider accepted the message) and delivery_failed (given up for good). */
  bus?: EventBus;
}

/** What the worker reports for metrics; it never waits on these. */
export interface DeliveryEvents {
  /** One provider call: how it ended and how long it took. */
  attempt?(channel: string, provider: string, result: 'sent' | 'transient_error' | 'permanent_error', seconds: number): void;
  /** A send's outcome for this round: a final status, or `retry` when it goes back to the outbox. */
  finished?(channel: string, status: string): void;
  /** A provider's circuit changed state. */
  circuit?(provider: string, state: CircuitState): void;
  /** A provider accepted a message after earlier providers of the channel failed or were skipped. */
  failover?(channel: string, provider: string): void;
  /** Time from queueing to a provider accepting the message (retries and failovers included). */
  delivered?(channel: string, provider: string, seconds: number): void;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { leaseMs: 30_000, batchSize: 50, pollMs: 1_000 };

/** Delivers the outbox: `wake()` when a send is queued, `drain()` to deliver every due send now. */
export class DeliveryWorker extends WorkPool<ClaimedSend> {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly store: Store,
    private readonly channels: ChannelRegistry,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    super('delivery worker', opts.pollMs, log, opts.batchSize);
  }

  protected async claim(limit: number): Promise<ClaimedSend[]> {
    const jobs = await this.store.claimDeliveries(this.clock.now(), this.opts.leaseMs, limit);
    const reads = new ClaimReads(this.store);
    return jobs.map((job) => ({ job, reads }));
  }

  protected async handle({ job: { send, verification: v }, reads }: ClaimedSend): Promise<void> {
    const now = this.clock.now();
    const logCtx = { verification_id: v.id, send_id: send.id, channel: send.channel };
    if (effectiveStatus(v, now) !== 'pending' || !v.codeSealed) {
      await this.store.updateSend(send.id, 'failed', now, { error: `verification is ${effectiveStatus(v, now)}; not delivered` });
      return this.outcome(send.channel, 'failed');
    }
    const account = await reads.account(v.accountId);
    if (!account) {
      await this.store.updateSend(send.id, 'failed', now, { error: 'account no longer exists' });
      return this.outcome(send.channel, 'failed');
    }
    const code = this.secrets.open(v.codeSealed);
    const body = await renderMessage(reads, account, v, code, send.channel);
    // A per-verification app name (Twilio's CustomFriendlyName) reaches every channel's wording.
    const named = v.appName ? { ...account, appName: v.appName } : account;
    const msg = { messageId: `msg_${v.id}_${send.id}`, verificationId: v.id, account: named, to: v.to, channel: send.channel, locale: v.locale, code, body, sender: v.sender };
    let lastError = 'no provider configured for this channel';
    let lastProvider: string | null = null;
    let permanent = true;
    const errors: string[] = [];
    for (const provider of this.channels.providers(send.channel)) {
      const circuit = this.circuit(provider.name);
      if (!circuit.allow()) {
        errors.push(`${provider.name}: circuit open, skipped`);
        permanent = false;
        continue;
      }
      const before = circuit.state;
      const started = performance.now();
      try {
        const res = await provider.deliver(msg);
        circuit.success();
        if (before !== 'closed') this.opts.events?.circuit?.(provider.name, circuit.state);
        this.opts.events?.attempt?.(send.channel, provider.name, 'sent', (performance.now() - started) / 1000);
        // Earlier providers that failed over stay on the record.
        const at = this.clock.now();
        const error = errors.length ? errors.join('; ') : null;
        if (errors.length) this.opts.events?.failover?.(send.channel, provider.name);
        this.opts.events?.delivered?.(send.channel, provider.name, Math.max(0, at - send.createdAt) / 1000);
        await this.store.updateSend(send.id, res.status, at, { provider: provider.name, error });
        this.opts.bus?.emit({ type: 'verification.delivered', at, verification: v, send: { id: send.id, channel: send.channel, provider: provider.name, status: res.status, error } });
        this.log.info({ ...logCtx, provider: provider.name }, 'code delivered');
        return this.outcome(send.channel, res.status);
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        lastProvider = provider.name;
        const thisPermanent = e instanceof DeliveryError && e.permanent;
        // A permanent refusal is about this message; only transient failures say the provider is unwell.
        if (!thisPermanent) {
          circuit.failure();
          if (circuit.state !== before) this.opts.events?.circuit?.(provider.name, circuit.state);
        } else circuit.success();
        this.opts.events?.attempt?.(send.channel, provider.name, thisPermanent ? 'permanent_error' : 'transient_error', (performance.now() - started) / 1000);
        // Retry later if any provider might still succeed; give up only when all refused for good.
        permanent &&= thisPermanent;
        errors.push(`${provider.name}: ${lastError}`);
        this.log.warn({ ...logCtx, provider: provider.name, error: lastError, permanent }, 'delivery attempt failed');
      }
    }
    const retryAt = this.clock.now() + backoffDelay(send.attempts);
    const error = errors.length ? errors.join('; ') : lastError;
    if (!permanent && retryAt < v.expiresAt) {
      await this.store.updateSend(send.id, 'queued', this.clock.now(), { provider: lastProvider, error, retryAt });
      return this.outcome(send.channel, 'retry');
    }
    const at = this.clock.now();
    const status = permanent ? 'undeliverable' : 'failed';
    await this.store.updateSend(send.id, status, at, { provider: lastProvider, error });
    this.opts.bus?.emit({ type: 'verification.delivery_failed', at, verification: v, send: { id: send.id, channel: send.channel, provider: lastProvider, status, error } });
    this.outcome(send.channel, permanent ? 'undeliverable' : 'failed');
    await this.fallBack(account, v, send.channel);
    await this.failIfNothingLeft(v.id);
  }

  /**
   * A provider's delivery receipt for the message `msg_<verification>_<send>` it was handed: the send
   * becomes delivered (or undeliverable), and a verification left with no working send is failed.
   */
  async receipt(messageId: string, status: 'delivered' | 'undeliverable' | 'failed', error?: string): Promise<void> {
    const sendId = Number(/^msg_.+_(\d+)$/.exec(messageId)?.[1]);
    if (!Number.isSafeInteger(sendId)) return;
    try {
      const at = this.clock.now();
      const r = await this.store.recordReceipt(sendId, status, at, error ?? null);
      if (!r) return;
      this.opts.events?.finished?.(r.send.channel, status);
      if (status === 'delivered') return;
      const { id, channel, provider, error: sendError } = r.send;
      this.opts.bus?.emit({ type: 'verification.delivery_failed', at, verification: r.verification, send: { id, channel, provider, status, error: sendError } });
      const account = await this.store.getAccount(r.verification.accountId);
      if (account && r.verification.status === 'pending') await this.fallBack(account, r.verification, channel);
      await this.failIfNothingLeft(r.verification.id);
    } catch (e) {
      this.log.error({ err: e, send_id: sendId }, 'delivery receipt could not be recorded');
    }
  }

  /**
   * The account's fallback for a channel that failed for good (e.g. whatsapp -> sms): one more send of
   * the same code on the other channel, if the recipient suits it and the verification can still be sent.
   */
  private async fallBack(account: Account, v: VerificationRecord, failed: Channel): Promise<void> {
    const to = account.settings?.channelFallback?.[failed];
    if (!to || this.channels.providers(to).length === 0) return;
    try {
      normaliseRecipient(v.to, to);
    } catch {
      return; // e.g. an email address cannot fall back to sms
    }
    // No cooldown: this replaces a send that never arrived. The send cap still holds.
    const res = await this.store.recordSend(v.accountId, v.id, { channel: to, status: 'queued' }, this.clock.now(), 0);
    if (res.sent) {
      this.log.info({ verification_id: v.id, from: failed, to }, 'channel fallback: sending on another channel');
      this.wake();
    }
  }

  private circuit(provider: string): Circuit {
    let c = this.circuits.get(provider);
    if (!c) this.circuits.set(provider, (c = new Circuit(this.clock)));
    return c;
  }

  /** When every send of a verification has failed for good, the verification itself is `failed`. */
  private async failIfNothingLeft(verificationId: string): Promise<void> {
    const sends = await this.store.listSends(verificationId);
    if (sends.every((s) => s.status === 'failed' || s.status === 'undeliverable')) {
      await this.store.finish(verificationId, 'failed', this.clock.now());
    }
  }

  private outcome(channel: string, status: string): void {
    this.opts.events?.finished?.(channel, status);
  }
}
