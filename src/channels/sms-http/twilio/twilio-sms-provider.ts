// Twilio Programmable Messaging: sends the code as an SMS through POST /2010-04-01/Accounts/{sid}/Messages.json.
import { DeliveryError, type OutboundMessage, type Provider } from '../../types.js';
import { isTransientHttp, parseJson, post, safeDetail } from '../http.js';

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** Sender: an E.164 Twilio number, short code or alphanumeric ID. Give this, messagingServiceSid, or both. */
  from?: string;
  /** A Messaging Service (MG…) that picks the sender from its pool. */
  messagingServiceSid?: string;
  baseUrl?: string;
  timeoutMs: number;
}

/**
 * Twilio error codes we name in error messages (https://www.twilio.com/docs/api/errors/<code>).
 * Whether a failure is retried is decided by `isTransient` below, not by this table.
 */
const KNOWN: Record<number, string> = {
  20003: 'authentication failed: check the account SID and auth token',
  20403: 'the Twilio account is suspended or closed',
  20429: 'too many concurrent requests',
  21211: "invalid 'To' number",
  21212: "invalid 'From' number",
  21408: 'sending to this region is not enabled on the account',
  21606: "the 'From' number cannot send to this destination",
  21608: 'trial accounts can only send to verified numbers',
  21610: 'the recipient has unsubscribed from this sender',
  21611: "the 'From' number's message queue is full",
  21612: "the 'To' number cannot be reached from this sender",
  21614: "the 'To' number is not a mobile number",
  21635: "the 'To' number is a landline",
};

interface TwilioError {
  code?: unknown;
  message?: unknown;
}

export class TwilioSmsProvider implements Provider {
  readonly name = 'twilio';
  private readonly url: string;
  private readonly auth: string;

  constructor(private readonly opts: TwilioSmsOptions) {
    if (!opts.accountSid || !opts.authToken) throw new Error('twilio: accountSid and authToken are required');
    if (!opts.from && !opts.messagingServiceSid) throw new Error('twilio: give a from number or a messagingServiceSid');
    const base = (opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.url = `${base}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
    this.auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const form = new URLSearchParams({ To: msg.to });
    if (this.opts.from) form.set('From', this.opts.from);
    if (this.opts.messagingServiceSid) form.set('MessagingServiceSid', this.opts.messagingServiceSid);
    form.set('Body', msg.body);
    const res = await post(
      this.name,
      this.url,
      { authorization: this.auth, 'content-type': 'application/x-www-form-urlencoded' },
      form.toString(),
      this.opts.timeoutMs,
    );
    if (res.status >= 200 && res.status < 300) return { status: 'sent' };

    const err = (parseJson(res.text) ?? {}) as TwilioError;
    const code = typeof err.code === 'number' ? err.code : Number.parseInt(String(err.code ?? ''), 10);
    const known = Number.isFinite(code) ? KNOWN[code] : undefined;
    const detail = safeDetail(err.message, msg, [this.opts.authToken]);
    const what = [Number.isFinite(code) ? `error ${code}` : null, known, `HTTP ${res.status}`].filter(Boolean).join(', ');
    throw new DeliveryError(`twilio rejected the message (${what})${detail ? `: ${detail}` : ''}`, !isTransient(res.status, code));
  }
}

/**
 * Retry later: rate limits (HTTP 429 / 20429), Twilio-side failures (5xx), 408. Every other 4xx is a
 * request Twilio will refuse again for this number and sender: bad To/From (21211, 21212, 21606, 21614),
 * opted out (21610), region not enabled (21408), and bad credentials (20003, a configuration error,
 * permanent here so that failover moves on to the next provider).
 */
function isTransient(status: number, code: number): boolean {
  return code === 20429 || isTransientHttp(status);
}
