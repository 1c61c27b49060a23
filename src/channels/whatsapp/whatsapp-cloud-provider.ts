// WhatsApp Cloud API: sends the code as an authentication template with a copy-code button through POST /{version}/{phone-number-id}/messages.
import { isTransientHttp, parseJson, post, safeDetail } from '../sms-http/http.js';
import { DeliveryError, type OutboundMessage, type Provider } from '../types.js';
import { templateLanguages } from './template-languages.js';

export interface WhatsappCloudOptions {
  /** A system-user access token with whatsapp_business_messaging on the WhatsApp Business Account. */
  accessToken: string;
  /** The business phone number's ID (not the number itself), from WhatsApp Manager or the API setup page. */
  phoneNumberId: string;
  /** An approved AUTHENTICATION template with a copy-code button, e.g. created with otp_type copy_code. */
  templateName: string;
  /** Template language used when the verification's locale has no approved translation; default `en`. */
  languageFallback?: string;
  apiVersion?: string;
  baseUrl?: string;
  timeoutMs: number;
}

/**
 * Meta error codes we name in error messages, from the Cloud API error reference
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes)
 * and Graph API rate limiting (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
 */
const KNOWN: Record<number, string> = {
  0: 'authentication failed: check the access token',
  1: 'unknown API error',
  2: 'API service temporarily unavailable',
  3: 'the app lacks the capability or permission for this call',
  4: "the app's API call limit was reached",
  10: 'permission denied: the token lacks access to this phone number',
  17: "the user's API call limit was reached",
  100: 'invalid parameter: check the phone number ID, the recipient and the template',
  190: 'the access token has expired or been revoked',
  368: 'the business account is temporarily blocked for policy violations',
  613: 'API call rate limit exceeded',
  80007: 'the WhatsApp Business Account rate limit was reached',
  130429: 'Cloud API throughput limit reached',
  130497: 'the business account may not message users in this country',
  131000: 'something went wrong at Meta',
  131005: 'access denied',
  131008: 'a required parameter is missing',
  131009: 'a parameter value is not valid',
  131016: 'service unavailable',
  131021: 'the recipient is the sender',
  131026: 'undeliverable: not a WhatsApp number, terms not accepted, or an outdated client',
  131030: "the recipient is not in the test number's allowed list",
  131031: 'the business account has been locked',
  131042: 'a payment problem on the business account',
  131047: 'more than 24 hours since the user last wrote (re-engagement message)',
  131048: 'spam rate limit: too many recent messages were blocked or flagged',
  131051: 'unsupported message type',
  131056: 'pair rate limit: too many messages to this recipient just now',
  131057: 'the business account is in maintenance mode',
  132000: "the parameters do not match the template's (is it an authentication template with a copy-code button?)",
  132001: 'the template does not exist in this language',
  132005: 'the template text is too long once filled in',
  132007: 'the template breaks the format or character policy',
  132012: "a parameter's format does not match the template",
  132015: 'the template is paused for low quality',
  132016: 'the template is disabled',
  133004: 'server temporarily unavailable',
  133010: 'the business phone number is not registered with the Cloud API',
};

/**
 * Worth another attempt later. Meta returns its throttles as HTTP 400 with a code, not as 429, so
 * they are matched by code: Graph and WABA rate limits (4, 17, 613, 80007), throughput (130429), the
 * quality-based spam limit (131048), the per-recipient pair limit (131056), and its own outages
 * (1, 2, 131000, 131016, 131057, 133004).
 */
const TRANSIENT = new Set([1, 2, 4, 17, 613, 80007, 130429, 131000, 131016, 131048, 131056, 131057, 133004]);

/**
 * Refused for good whatever the HTTP status says (code 3 comes with a 500): the recipient cannot get
 * WhatsApp messages (131026, 131030), the template or its parameters are wrong (132000-132016), or the
 * token, permissions or account are (0, 3, 10, 190, 200-299, 368, 131031, 131042), all configuration
 * errors, permanent so that failover moves on to the next provider.
 */
function isPermanentCode(code: number): boolean {
  return (code in KNOWN && !TRANSIENT.has(code)) || (code >= 200 && code <= 299);
}

function isTransient(status: number, code: number | null): boolean {
  if (code === null) return isTransientHttp(status);
  if (TRANSIENT.has(code)) return true;
  return !isPermanentCode(code) && isTransientHttp(status);
}

interface GraphAnswer {
  messages?: Array<{ id?: unknown }>;
  error?: {
    message?: unknown;
    type?: unknown;
    code?: unknown;
    error_subcode?: unknown;
    error_data?: { details?: unknown };
    fbtrace_id?: unknown;
  };
}

/** Meta's "template name does not exist in the translation": the one error another language can fix. */
const NOT_IN_LANGUAGE = 132001;

export class WhatsappCloudProvider implements Provider {
  readonly name = 'whatsapp-cloud';
  private readonly url: string;
  private readonly fallback: string;

  constructor(private readonly opts: WhatsappCloudOptions) {
    if (!opts.accessToken) throw new Error('whatsapp-cloud: accessToken is required');
    if (!opts.phoneNumberId) throw new Error('whatsapp-cloud: phoneNumberId is required');
    if (!opts.templateName) throw new Error('whatsapp-cloud: templateName is required (an approved authentication template)');
    const base = (opts.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    const version = (opts.apiVersion ?? 'v21.0').replace(/^\/+|\/+$/g, '');
    this.url = `${base}/${encodeURIComponent(version)}/${encodeURIComponent(opts.phoneNumberId)}/messages`;
    this.fallback = opts.languageFallback ?? 'en';
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const languages = templateLanguages(msg.locale, this.fallback);
    for (const [i, language] of languages.entries()) {
      const res = await post(
        this.name,
        this.url,
        { authorization: `Bearer ${this.opts.accessToken}`, 'content-type': 'application/json' },
        this.payload(msg, language),
        this.opts.timeoutMs,
      );
      const answer = parseJson(res.text) as GraphAnswer | undefined;

      if (res.status >= 200 && res.status < 300) {
        if (typeof answer?.messages?.[0]?.id === 'string') return { status: 'sent' };
        // Without a message id we cannot tell whether Meta took the message; asking again is the safer mistake.
        throw new DeliveryError(`whatsapp-cloud answered HTTP ${res.status} without a message id`, false);
      }

      const err = answer?.error;
      const code = typeof err?.code === 'number' ? err.code : Number.parseInt(String(err?.code ?? ''), 10);
      const metaCode = Number.isFinite(code) ? code : null;
      // Nothing was sent, so trying the next translation cannot deliver the code twice.
      if (metaCode === NOT_IN_LANGUAGE && i < languages.length - 1) continue;

      const subcode = typeof err?.error_subcode === 'number' ? err.error_subcode : null;
      const trace = typeof err?.fbtrace_id === 'string' ? err.fbtrace_id.replace(/[^\w.-]/g, '').slice(0, 64) : null;
      const what = [
        metaCode !== null ? `error ${metaCode}` : null,
        metaCode !== null ? KNOWN[metaCode] : null,
        subcode !== null ? `subcode ${subcode}` : null,
        `HTTP ${res.status}`,
        metaCode === NOT_IN_LANGUAGE ? `languages tried: ${languages.join(', ')}` : `language ${language}`,
        trace ? `fbtrace_id ${trace}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      // `details` says what was wrong (which parameter, why undeliverable); `message` is mostly the title.
      const details = err?.error_data?.details;
      const detail = safeDetail(typeof details === 'string' && details.trim() ? details : err?.message, msg, [this.opts.accessToken]);
      throw new DeliveryError(`whatsapp-cloud refused the message (${what})${detail ? `: ${detail}` : ''}`, !isTransient(res.status, metaCode));
    }
    // templateLanguages always returns at least the fallback, so the loop returns or throws.
    throw new DeliveryError('whatsapp-cloud: no template language to try', true);
  }

  /**
   * Meta's authentication-template send format: the code fills the body's {{1}} and, as the URL
   * button's parameter, the copy-code button (Meta creates an OTP button as a URL button at index 0).
   */
  private payload(msg: OutboundMessage, language: string): string {
    const code = [{ type: 'text', text: msg.code }];
    return JSON.stringify({
      messaging_product: 'whatsapp',
      // Cloud API takes the number in international format; the documented samples leave out the +.
      to: msg.to.replace(/^\+/, ''),
      type: 'template',
      template: {
        name: this.opts.templateName,
        language: { code: language },
        components: [
          { type: 'body', parameters: code },
          { type: 'button', sub_type: 'url', index: '0', parameters: code },
        ],
      },
    });
  }
}
