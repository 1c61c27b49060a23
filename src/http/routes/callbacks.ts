// Provider status callbacks (Twilio, Vonage, Infobip): each URL carries our message id and an HMAC tag; the outcome becomes the send's status.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Secrets } from '../../core/code.js';
import { OtpError } from '../../core/errors.js';

export type Outcome = 'delivered' | 'undeliverable' | 'failed';
export type ReceiptHandler = (messageId: string, status: Outcome, error?: string) => Promise<void>;

type Fields = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Twilio's MessageStatus: only final states change anything. */
function twilioOutcome(f: Fields): [Outcome, string?] | null {
  const code = str(f['ErrorCode']);
  const err = code ? `twilio error ${code}` : undefined;
  switch (str(f['MessageStatus'])) {
    case 'delivered':
      return ['delivered'];
    case 'undelivered':
      return ['undeliverable', err ?? 'twilio: undelivered'];
    case 'failed':
      return ['failed', err ?? 'twilio: failed'];
    default:
      return null;
  }
}

/** Vonage's delivery receipt `status`. */
function vonageOutcome(f: Fields): [Outcome, string?] | null {
  const status = str(f['status']);
  if (status === 'delivered') return ['delivered'];
  if (status === 'expired' || status === 'failed' || status === 'rejected') return ['undeliverable', `vonage: ${status}, err-code ${str(f['err-code']) ?? '?'}`];
  return null;
}

/** Infobip's delivery report `status.groupName`. */
function infobipOutcome(f: Fields): [Outcome, string?] | null {
  const results = Array.isArray(f['results']) ? (f['results'] as Fields[]) : [];
  const status = (results[0]?.['status'] ?? {}) as Fields;
  const group = str(status['groupName'])?.toUpperCase();
  if (group === 'DELIVERED') return ['delivered'];
  if (group === 'UNDELIVERABLE' || group === 'REJECTED' || group === 'EXPIRED') return ['undeliverable', `infobip: ${group} ${str(status['name']) ?? ''}`.trim()];
  return null;
}

const OUTCOMES = { twilio: twilioOutcome, vonage: vonageOutcome, infobip: infobipOutcome } as const;

/** Mounts /callbacks/{twilio,vonage,infobip}; needs no API key, only a URL that otpd signed. */
export async function callbackRoutes(app: FastifyInstance, secrets: Secrets, onReceipt: ReceiptHandler): Promise<void> {
  await app.register(async (scope) => {
    // Twilio posts form-encoded; Vonage may GET with a query or POST JSON; Infobip posts JSON.
    await scope.register(formbody);
    for (const [provider, outcome] of Object.entries(OUTCOMES)) {
      const handler = async (req: FastifyRequest<{ Querystring: Fields }>) => {
        const q = req.query ?? {};
        const messageId = str(q['m']);
        const tag = str(q['t']);
        if (!messageId || !tag) throw new OtpError('invalid_request', 'A status callback needs the m and t query parameters otpd put in its URL.');
        if (!secrets.callbackTagMatches(messageId, tag)) throw new OtpError('unauthorized', 'This status-callback URL was not issued by this otpd.');
        const fields: Fields = { ...q, ...(req.body && typeof req.body === 'object' ? (req.body as Fields) : {}) };
        const o = outcome(fields);
        if (o) await onReceipt(messageId, o[0], o[1]);
        return { received: true, applied: o !== null };
      };
      const opts = { schema: { hide: true } };
      scope.post(`/callbacks/${provider}`, opts, handler);
      scope.get(`/callbacks/${provider}`, opts, handler);
    }
  });
}
