// Twilio Programmable Messaging: sends the code as an SMS through POST /2010-04-01/Accounts/{sid}/Messages.json.
import type { OutboundMessage, Provider } from '../../types.js';
import type { StatusCallbacks } from '../../status-callbacks.js';
import { TwilioRest } from './twilio-rest.js';

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** Sender: an E.164 Twilio number, short code or alphanumeric ID. Give this, messagingServiceSid, or both. */
  from?: string;
  /** A Messaging Service (MG…) that picks the sender from its pool. */
  messagingServiceSid?: string;
  baseUrl?: string;
  timeoutMs: number;
  /** Asks Twilio to POST the message's status to otpd, which turns it into delivery status. */
  callbacks?: StatusCallbacks;
}

/**
 * Twilio error codes we name in error messages (https://www.twilio.com/docs/api/errors/<code>).
 * Whether a failure is retried is decided in TwilioRest, not by this table.
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

export class TwilioSmsProvider implements Provider {
  readonly name = 'twilio';
  private readonly rest: TwilioRest;

  constructor(private readonly opts: TwilioSmsOptions) {
    this.rest = new TwilioRest('twilio', opts.accountSid, opts.authToken, opts.baseUrl);
    if (!opts.from && !opts.messagingServiceSid) throw new Error('twilio: give a from number or a messagingServiceSid');
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const form = new URLSearchParams({ To: msg.to });
    if (this.opts.from) form.set('From', this.opts.from);
    if (this.opts.messagingServiceSid) form.set('MessagingServiceSid', this.opts.messagingServiceSid);
    form.set('Body', msg.body);
    const callback = this.opts.callbacks?.urlFor('twilio', msg.messageId);
    if (callback) form.set('StatusCallback', callback);
    await this.rest.create('Messages', form, msg, { timeoutMs: this.opts.timeoutMs, known: KNOWN });
    return { status: 'sent' };
  }
}
