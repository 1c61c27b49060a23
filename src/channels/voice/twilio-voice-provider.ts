// Twilio Programmable Voice: calls the recipient through POST /2010-04-01/Accounts/{sid}/Calls.json and reads the code aloud from inline TwiML.
import { isTransientHttp, parseJson, post, safeDetail } from '../sms-http/http.js';
import { DeliveryError, type OutboundMessage, type Provider } from '../types.js';
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
 * Whether a failure is retried is decided by `isTransient` below, not by this table.
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

interface TwilioError {
  code?: unknown;
  message?: unknown;
}

export class TwilioVoiceProvider implements Provider {
  readonly name = 'twilio-voice';
  private readonly url: string;
  private readonly auth: string;

  constructor(private readonly opts: TwilioVoiceOptions) {
    if (!opts.accountSid || !opts.authToken) throw new Error('twilio-voice: accountSid and authToken are required');
    if (!opts.from) throw new Error('twilio-voice: a from number (caller ID) is required');
    const base = (opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.url = `${base}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Calls.json`;
    this.auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const twiml = codeTwiml(msg.locale, msg.account.appName, msg.code);
    // Twiml instead of Url: Twilio runs it as soon as the call is answered, with no webhook for us to host.
    const form = new URLSearchParams({ To: msg.to, From: this.opts.from, Twiml: twiml });
    const res = await post(
      this.name,
      this.url,
      { authorization: this.auth, 'content-type': 'application/x-www-form-urlencoded' },
      form.toString(),
      this.opts.timeoutMs,
    );
    // 201 Created: the call is queued; whether it was answered is reported later, not here.
    if (res.status >= 200 && res.status < 300) return { status: 'sent' };

    const err = (parseJson(res.text) ?? {}) as TwilioError;
    const code = typeof err.code === 'number' ? err.code : Number.parseInt(String(err.code ?? ''), 10);
    const known = Number.isFinite(code) ? KNOWN[code] : undefined;
    // Twilio may echo the TwiML, where the code appears spaced out ("4, 8, 2"), which safeDetail's plain match would miss.
    const detail = safeDetail(err.message, msg, [twiml, spokenCode(msg.code), this.opts.authToken]);
    const what = [Number.isFinite(code) ? `error ${code}` : null, known, `HTTP ${res.status}`].filter(Boolean).join(', ');
    throw new DeliveryError(`twilio-voice rejected the call (${what})${detail ? `: ${detail}` : ''}`, !isTransient(res.status, code));
  }
}

/**
 * Retry later: rate limits (HTTP 429 / 20429), Twilio-side failures (5xx), 408. Every other 4xx is a
 * request Twilio will refuse again for this number and caller ID: bad To/From (21211, 21212, 21217),
 * unreachable (21214), Geo Permissions (21215), blocked (21216), trial limits (21210, 21219), and bad
 * credentials (20003, a configuration error, permanent here so that failover moves on).
 */
function isTransient(status: number, code: number): boolean {
  return code === 20429 || isTransientHttp(status);
}
