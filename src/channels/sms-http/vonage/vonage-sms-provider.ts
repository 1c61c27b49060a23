// Vonage (Nexmo) SMS API: sends the code through POST /sms/json and reads the per-message status codes.
import { DeliveryError, type OutboundMessage, type Provider } from '../../types.js';
import type { StatusCallbacks } from '../../status-callbacks.js';
import { isGsm7 } from '../gsm7.js';
import { isTransientHttp, parseJson, post, safeDetail } from '../http.js';

export interface VonageSmsOptions {
  apiKey: string;
  apiSecret: string;
  /** Sender ID: a Vonage virtual number (no +) or an alphanumeric ID where the destination allows one. */
  from: string;
  baseUrl?: string;
  timeoutMs: number;
  /** Asks Vonage to send its delivery receipt to otpd. */
  callbacks?: StatusCallbacks;
}

/**
 * The SMS API's `messages[].status` codes (https://developer.vonage.com/en/api-errors/sms).
 * `retry: true` marks the ones Vonage says to back off and retry; the rest will fail again for this
 * number, sender or account until someone changes something.
 */
const STATUS: Record<string, { label: string; retry: boolean }> = {
  '1': { label: 'throttled', retry: true },
  '2': { label: 'missing parameters', retry: false },
  '3': { label: 'invalid parameters', retry: false },
  '4': { label: 'invalid credentials', retry: false },
  '5': { label: 'internal error', retry: true },
  '6': { label: 'invalid message (e.g. unrecognised number prefix)', retry: false },
  '7': { label: 'number barred', retry: false },
  '8': { label: 'partner account barred', retry: false },
  '9': { label: 'partner quota violation (out of credit)', retry: false },
  '10': { label: 'too many existing binds', retry: true },
  '11': { label: 'account not enabled for HTTP', retry: false },
  '12': { label: 'message too long', retry: false },
  '14': { label: 'invalid signature', retry: false },
  '15': { label: 'invalid sender address', retry: false },
  '22': { label: 'invalid network code', retry: false },
  '23': { label: 'invalid callback URL', retry: false },
  '29': { label: 'non-whitelisted destination', retry: false },
  '32': { label: 'signature and API secret disallowed', retry: false },
  '33': { label: 'number de-activated', retry: false },
};

interface VonageAnswer {
  messages?: Array<{ status?: unknown; 'error-text'?: unknown }>;
}

export class VonageSmsProvider implements Provider {
  readonly name = 'vonage';
  private readonly url: string;

  constructor(private readonly opts: VonageSmsOptions) {
    if (!opts.apiKey || !opts.apiSecret) throw new Error('vonage: apiKey and apiSecret are required');
    if (!opts.from) throw new Error('vonage: from is required');
    this.url = `${(opts.baseUrl ?? 'https://rest.nexmo.com').replace(/\/+$/, '')}/sms/json`;
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const form = new URLSearchParams({
      api_key: this.opts.apiKey,
      api_secret: this.opts.apiSecret,
      from: this.opts.from,
      to: msg.to.replace(/^\+/, ''),
      text: msg.body,
    });
    if (!isGsm7(msg.body)) form.set('type', 'unicode');
    const callback = this.opts.callbacks?.urlFor('vonage', msg.messageId);
    if (callback) form.set('callback', callback);
    const res = await post(this.name, this.url, { 'content-type': 'application/x-www-form-urlencoded' }, form.toString(), this.opts.timeoutMs);
    if (res.status < 200 || res.status >= 300) {
      // The SMS API answers 200 even for rejected messages; anything else came from in front of it.
      throw new DeliveryError(`vonage answered HTTP ${res.status}`, !isTransientHttp(res.status));
    }

    const answer = parseJson(res.text) as VonageAnswer | undefined;
    const parts = Array.isArray(answer?.messages) ? answer.messages : [];
    if (parts.length === 0) throw new DeliveryError('vonage answered without a message status', false);
    // A long text is split into several parts, each with its own status; the first failure decides.
    const failed = parts.find((p) => String(p.status) !== '0');
    if (!failed) return { status: 'sent' };

    const status = String(failed.status);
    const known = STATUS[status];
    const detail = safeDetail(failed['error-text'], msg, [this.opts.apiSecret]);
    const what = [`status ${status}`, known?.label].filter(Boolean).join(', ');
    // A status code Vonage does not document is treated as a rejection, like most documented ones.
    throw new DeliveryError(`vonage rejected the message (${what})${detail ? `: ${detail}` : ''}`, !(known?.retry ?? false));
  }
}
