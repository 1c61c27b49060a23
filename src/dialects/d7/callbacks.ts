// success_url / failure_url postbacks: on a delivery event of a D7-created verification, POST D7's report body, retrying with backoff.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { EventBus, VerificationEvent } from '../../core/events.js';
import { otpIdOf } from './ids.js';
import { isD7Payload, type OtpSettings, type OtpState } from './state.js';

/** Waits between postback attempts (the first is immediate); a receiver must answer 2xx to stop them. */
export const POSTBACK_BACKOFF_MS = [0, 500, 2_000, 8_000] as const;
const POSTBACK_TIMEOUT_MS = 5_000;
/**
 * The settings are written just after the engine creates the verification, and the worker can
 * deliver before that write lands: wait for them a little (about 2.5 s in all) before giving up.
 */
const SETTINGS_WAITS_MS = [0, 20, 40, 80, 160, 320, 640, 1_280] as const;

/** The body D7 posts to a report URL (request_id, msg_id, recipient, originator, status), plus otp_id and channel. */
export function postbackBody(e: VerificationEvent, settings: OtpSettings): Record<string, unknown> {
  const v = e.verification;
  const otpId = otpIdOf(v.id);
  const ok = e.type === 'verification.delivered';
  return {
    request_id: otpId,
    otp_id: otpId,
    msg_id: msgIdOf(v.id, e.send?.id ?? 0),
    recipient: v.to,
    originator: v.sender ?? settings.originator ?? null,
    channel: (e.send?.channel ?? v.channel) === 'whatsapp' ? 'WhatsApp' : 'SMS',
    status: ok ? (e.send?.status === 'delivered' ? 'delivered' : 'sent') : 'undelivered',
    resend_count: Math.max(0, v.sendCount - 1),
    created_at: new Date(e.at).toISOString(),
  };
}

/** A stable UUID per send, in the place of D7's per-message msg_id. */
function msgIdOf(verId: string, sendId: number): string {
  const h = createHash('sha256').update(`${verId}\0${sendId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const sleep = (ms: number, timers: Set<NodeJS.Timeout>) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    // A pending postback never holds the process open.
    t.unref();
    timers.add(t);
  });

/** Subscribes to delivery events once; returns the function that stops postbacks (on close). */
export function startPostbacks(events: EventBus, state: OtpState, log: Logger): () => void {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const settingsOf = async (e: VerificationEvent): Promise<OtpSettings | null> => {
    for (const wait of SETTINGS_WAITS_MS) {
      await sleep(wait, timers);
      if (closed) return null;
      // Event time, not wall time: the settings live a while past the code's expiry, which is what counts.
      const s = await state.get(e.verification.accountId, e.verification.id, e.at);
      if (s) return s;
    }
    return null;
  };

  const post = async (url: string, body: string, ctx: Record<string, unknown>): Promise<void> => {
    let last = '';
    for (const wait of POSTBACK_BACKOFF_MS) {
      await sleep(wait, timers);
      if (closed) return;
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'otpd-d7-postback/1' },
          body,
          headersTimeout: POSTBACK_TIMEOUT_MS,
          bodyTimeout: POSTBACK_TIMEOUT_MS,
        });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) return;
        last = `HTTP ${res.statusCode}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
    }
    // The URL may carry the client's own secrets in its query: log the host only.
    log.warn({ ...ctx, host: new URL(url).host, error: last }, 'd7 postback gave up');
  };

  /** The postback of a delivery event with a D7 payload. */
  const postback = async (e: VerificationEvent): Promise<void> => {
    const settings = await settingsOf(e);
    const url = e.type === 'verification.delivered' ? settings?.successUrl : settings?.failureUrl;
    if (!settings || !url) return;
    await post(url, JSON.stringify(postbackBody(e, settings)), { verification_id: e.verification.id, event: e.type });
  };
  // Synchronous for every other event (two of them on each verification's path): no promise to make and settle.
  const unsubscribe = events.subscribe((e) => {
    if (e.type !== 'verification.delivered' && e.type !== 'verification.delivery_failed') return;
    if (!isD7Payload(e.verification.payload)) return;
    return postback(e);
  });

  return () => {
    closed = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}
