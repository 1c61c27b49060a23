// Infobip SMS API v2: sends the code through POST /sms/2/text/advanced on the account's own API host.
import type { StatusCallbacks } from '../../status-callbacks.js';
import { DeliveryError, type OutboundMessage, type Provider } from '../../types.js';
import { isTransientHttp, parseJson, post, safeDetail } from '../http.js';

export interface InfobipSmsOptions {
  apiKey: string;
  /** The account's personal base URL, e.g. https://xxxxxx.api.infobip.com (shown in the Infobip portal). */
  baseUrl: string;
  /** Sender: alphanumeric ID or number, as registered with Infobip. */
  from: string;
  timeoutMs: number;
  /** Asks Infobip to POST the delivery report to otpd. */
  callbacks?: StatusCallbacks;
}

/**
 * Status groups of a send answer (https://www.infobip.com/docs/developer-resources/api-fundamentals/message-status-codes).
 * The send answer is an acceptance, usually PENDING; the final outcome arrives later in a delivery report.
 */
const ACCEPTED_GROUPS = new Set(['PENDING', 'ACCEPTED', 'OK', 'DELIVERED']);
const REFUSED_GROUPS = new Set(['REJECTED', 'UNDELIVERABLE']);

interface InfobipAnswer {
  messages?: Array<{ status?: { groupName?: unknown; name?: unknown; description?: unknown } }>;
  requestError?: { serviceException?: { messageId?: unknown; text?: unknown } };
}

export class InfobipSmsProvider implements Provider {
  readonly name = 'infobip';
  private readonly url: string;

  constructor(private readonly opts: InfobipSmsOptions) {
    if (!opts.apiKey) throw new Error('infobip: apiKey is required');
    if (!opts.baseUrl) throw new Error('infobip: baseUrl is required (each Infobip account has its own API host)');
    if (!opts.from) throw new Error('infobip: from is required');
    const base = /^https?:\/\//i.test(opts.baseUrl) ? opts.baseUrl : `https://${opts.baseUrl}`;
    this.url = new URL(`${base.replace(/\/+$/, '')}/sms/2/text/advanced`).toString();
  }

  private reportTo(messageId: string): Record<string, string> {
    const url = this.opts.callbacks?.urlFor('infobip', messageId);
    return url ? { notifyUrl: url, notifyContentType: 'application/json', callbackData: messageId } : {};
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const payload = JSON.stringify({
      // Infobip documents destinations in international format without the leading +.
      messages: [{ destinations: [{ to: msg.to.replace(/^\+/, '') }], from: this.opts.from, text: msg.body, ...this.reportTo(msg.messageId) }],
    });
    const res = await post(
      this.name,
      this.url,
      { authorization: `App ${this.opts.apiKey}`, 'content-type': 'application/json' },
      payload,
      this.opts.timeoutMs,
    );
    const answer = parseJson(res.text) as InfobipAnswer | undefined;

    if (res.status < 200 || res.status >= 300) {
      // 401 (bad key) and other 4xx are configuration or request errors: permanent, so failover moves on.
      const ex = answer?.requestError?.serviceException;
      const id = typeof ex?.messageId === 'string' ? ex.messageId : null;
      const detail = safeDetail(ex?.text, msg, [this.opts.apiKey]);
      const what = [`HTTP ${res.status}`, id].filter(Boolean).join(', ');
      throw new DeliveryError(`infobip refused the request (${what})${detail ? `: ${detail}` : ''}`, !isTransientHttp(res.status));
    }

    const status = answer?.messages?.[0]?.status;
    const group = typeof status?.groupName === 'string' ? status.groupName.toUpperCase() : null;
    if (group && ACCEPTED_GROUPS.has(group)) return { status: 'sent' };
    if (!group) throw new DeliveryError('infobip answered without a message status', false);
    const name = typeof status?.name === 'string' ? status.name : null;
    const detail = safeDetail(status?.description, msg, [this.opts.apiKey]);
    const what = [group, name].filter(Boolean).join(' ');
    // REJECTED/UNDELIVERABLE will not change on a retry; an unknown or EXPIRED group might.
    throw new DeliveryError(`infobip did not accept the message (${what})${detail ? `: ${detail}` : ''}`, REFUSED_GROUPS.has(group));
  }
}
