// The channel contract: a provider delivers one rendered message, or says why it could not.
import type { Account, Channel } from '../core/types.js';

export interface OutboundMessage {
  /** Stable across retries of one send, so receivers can drop duplicates. */
  messageId: string;
  verificationId: string;
  account: Account;
  to: string;
  channel: Channel;
  locale: string;
  code: string;
  /** The rendered text (template with {code}, {app}, {minutes} filled in). */
  body: string;
  sender: string | null;
}

export interface Provider {
  /** Stable name recorded on each send, e.g. `console`, `webhook`. */
  readonly name: string;
  deliver(msg: OutboundMessage): Promise<{ status: 'sent' | 'delivered' }>;
}

/** A delivery failure; `permanent` ones (bad number, 4xx) are not retried. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}
