// Status-callback URLs handed to HTTP SMS providers: public base URL + provider + message id + an HMAC tag.
import type { Secrets } from '../core/code.js';

export class StatusCallbacks {
  /** `publicUrl` is where providers reach this otpd (OTPD_PUBLIC_URL); without it no callback is requested. */
  constructor(
    private readonly publicUrl: string | null,
    private readonly secrets: Secrets,
  ) {}

  /** The URL a provider should report this message's fate to, or null when otpd has no public URL. */
  urlFor(provider: 'twilio' | 'vonage' | 'infobip', messageId: string): string | null {
    if (!this.publicUrl) return null;
    const q = new URLSearchParams({ m: messageId, t: this.secrets.callbackTag(messageId) });
    return `${this.publicUrl.replace(/\/+$/, '')}/callbacks/${provider}?${q.toString()}`;
  }
}
