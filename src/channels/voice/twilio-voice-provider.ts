// Twilio Programmable Voice: calls the recipient through POST /2010-04-01/Accounts/{sid}/Calls.json and reads the code aloud from inline TwiML.
import { TwilioRest } from '../sms-http/twilio/twilio-rest.js';
import type { OutboundMessage, Provider } from '../types.js';
import { codeTwiml, spokenCode } from './voice-script.js';

export interface TwilioVoiceOptions {
  accountSid: string;
  authToken: string;
  /** Caller ID: a voice-capable Twilio number or a verified caller ID, in E.164. */
  from: string;
  baseUrl?: string;
  timeoutMs: number;
}

/**
 * Twilio error codes we name in error messages (https://www.twilio.com/docs/api/errors/<code>).
 * Whether a failure is retried is decided in TwilioRest, not by this table.
 */
const KNOWN: Record<number, string> = {
  20003: 'authentication failed: check the account SID and auth token',
  20403: 'forbidden: the account may not place this call',
  20429: 'too many concurrent requests',
  21210: "the 'From' number is not a Twilio number or verified caller ID",
  21211: "invalid 'To' number",
  21212: "invalid 'From' number",
  21214: "the 'To' number cannot be reached",
  21215: 'calls to this destination are not enabled in Voice Geo Permissions',
  21216: 'Twilio does not allow calls to this number',
  21217: "the 'To' number does not appear to be valid",
  21219: 'trial accounts can only call verified numbers',
};

export class TwilioVoiceProvider implements Provider {
  readonly name = 'twilio-voice';
  private readonly rest: TwilioRest;

  constructor(private readonly opts: TwilioVoiceOptions) {
    this.rest = new TwilioRest('twilio-voice', opts.accountSid, opts.authToken, opts.baseUrl);
    if (!opts.from) throw new Error('twilio-voice: a from number (caller ID) is required');
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const twiml = codeTwiml(msg.locale, msg.account.appName, msg.code);
    // Twiml instead of Url: Twilio runs it as soon as the call is answered, with no webhook for us to host.
    const form = new URLSearchParams({ To: msg.to, From: this.opts.from, Twiml: twiml });
    // Twilio may echo the TwiML, where the code appears spaced out ("4, 8, 2"), which a plain match would miss.
    await this.rest.create('Calls', form, msg, { timeoutMs: this.opts.timeoutMs, known: KNOWN, hide: [twiml, spokenCode(msg.code)] });
    // 201 Created: the call is queued; whether it was answered is reported later, not here.
    return { status: 'sent' };
  }
}
