// Twilio's REST API as both Twilio providers use it: Basic auth, a form POST under the account, and its error bodies.
import { DeliveryError, type OutboundMessage } from '../../types.js';
import { isTransientHttp, parseJson, post, safeDetail } from '../http.js';

export class TwilioRest {
  private readonly base: string;
  private readonly auth: string;

  constructor(
    private readonly provider: string,
    private readonly accountSid: string,
    private readonly authToken: string,
    baseUrl = 'https://api.twilio.com',
  ) {
    if (!accountSid || !authToken) throw new Error(`${provider}: accountSid and authToken are required`);
    this.base = baseUrl.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  }

  /**
   * POSTs `form` to `/2010-04-01/Accounts/{sid}/{resource}.json`. Resolves on a 2xx; otherwise throws
   * a DeliveryError naming Twilio's error code (with `known` meanings), retryable only for rate limits
   * (HTTP 429 / 20429), 408 and Twilio-side 5xx. `hide` lists extra text that must never reach the error.
   */
  async create(resource: 'Messages' | 'Calls', form: URLSearchParams, msg: OutboundMessage, o: { timeoutMs: number; known: Record<number, string>; hide?: string[] }): Promise<void> {
    const url = `${this.base}/2010-04-01/Accounts/${encodeURIComponent(this.accountSid)}/${resource}.json`;
    const res = await post(this.provider, url, { authorization: this.auth, 'content-type': 'application/x-www-form-urlencoded' }, form.toString(), o.timeoutMs);
    if (res.status >= 200 && res.status < 300) return;
    const err = (parseJson(res.text) ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof err.code === 'number' ? err.code : Number.parseInt(String(err.code ?? ''), 10);
    const known = Number.isFinite(code) ? o.known[code] : undefined;
    const detail = safeDetail(err.message, msg, [...(o.hide ?? []), this.authToken]);
    const what = [Number.isFinite(code) ? `error ${code}` : null, known, `HTTP ${res.status}`].filter(Boolean).join(', ');
    // Every 4xx but 408/429 is a request Twilio will refuse again for this number and sender; bad
    // credentials (20003) are a configuration error, permanent here so that failover moves on.
    const transient = code === 20429 || isTransientHttp(res.status);
    throw new DeliveryError(`${this.provider} rejected the ${resource === 'Calls' ? 'call' : 'message'} (${what})${detail ? `: ${detail}` : ''}`, !transient);
  }
}
