// Verification lifecycle events, published in-process by the node that caused them; webhooks and dialects subscribe.
import type { SendRecord, VerificationRecord } from './types.js';

export const EVENT_TYPES = [
  'verification.created',
  'verification.delivered',
  'verification.delivery_failed',
  'verification.approved',
  'verification.canceled',
  'verification.expired',
  'verification.max_attempts_reached',
  /** Not a verification event: the pumping guard paused sends to a destination prefix (account-wide). */
  'fraud.prefix_blocked',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface VerificationEvent {
  type: EventType;
  /** Epoch ms of the change. */
  at: number;
  /** The verification as it was right after the change (or as the worker last read it, for delivery events). */
  verification: VerificationRecord;
  /** For delivery events: the send concerned, with its provider and error. */
  send?: Pick<SendRecord, 'id' | 'channel' | 'provider' | 'status' | 'error'>;
}

export type EventListener = (e: VerificationEvent) => void | Promise<void>;

/** Fan-out to listeners; a listener that throws or rejects never affects the caller or the others. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onError: (e: unknown, ev: VerificationEvent) => void = () => undefined) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(ev: VerificationEvent): void {
    for (const fn of this.listeners) {
      try {
        const r = fn(ev);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e: unknown) => this.onError(e, ev));
      } catch (e) {
        this.onError(e, ev);
      }
    }
  }
}
