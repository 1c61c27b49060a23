// The legacy hosted OTP page (the `link` of POST /api/verify/): send a code, check it, redirect to the app.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../core/engine.js';
import { isOtpError } from '../../core/errors.js';
import type { DialectContext } from '../types.js';
import { GetOtpError, toGetOtpError } from './errors.js';
import { bindVerification, boundVerification, channelRecords, complete, loadSession, sessionCaller, type LegacySession } from './legacy.js';
import { LEGACY_CHANNELS, legacyRecipient, type LegacyChannel } from './legacy-wire.js';
import { renderGone, renderPage, type PageState } from './page-html.js';

type PageRequest = FastifyRequest<{ Params: { otpId: string; channel: string } }>;

/** The page path of a session's channel, relative to the host. */
export function pagePath(prefix: string, otpId: string, channel: LegacyChannel): string {
  return `${prefix}/api/ui/verify/${otpId}/${channel}/`;
}

/** `url` with `otp_id` added to its query, which is how the app learns which OTP the browser comes back from. */
function withOtpId(url: string, otpId: string): string {
  const u = new URL(url);
  u.searchParams.set('otp_id', otpId);
  return u.toString();
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    .type('text/html; charset=utf-8')
    .send(body);
}

interface Loaded {
  session: LegacySession;
  caller: Caller;
  channel: LegacyChannel;
}

async function load(ctx: DialectContext, req: PageRequest): Promise<Loaded | null> {
  const channel = req.params.channel as LegacyChannel;
  const session = await loadSession(ctx, req.params.otpId);
  if (!session || !(LEGACY_CHANNELS as readonly string[]).includes(channel) || !session.channels.includes(channel)) return null;
  const caller = await sessionCaller(ctx, session);
  return caller ? { session, caller, channel } : null;
}

/** Where the browser goes once this channel is done: the next unverified channel, or the app (after completing). */
async function advance(ctx: DialectContext, reply: FastifyReply, l: Loaded): Promise<FastifyReply> {
  const records = await channelRecords(ctx, l.caller, l.session);
  const next = l.session.channels.find((c) => records.get(c)?.status !== 'approved');
  // Relative, so it holds whatever path a reverse proxy shows the page under.
  if (next) return reply.redirect(next === l.channel ? './' : `../${next}/`, 303);
  await complete(ctx, l.session, records);
  return reply.redirect(withOtpId(l.session.successUrl, l.session.otpId), 303);
}

function failed(reply: FastifyReply, s: LegacySession): FastifyReply {
  return reply.redirect(withOtpId(s.failUrl, s.otpId), 303);
}

/** The page for the channel's current state; a finished verification sends the browser on. */
async function show(ctx: DialectContext, reply: FastifyReply, l: Loaded, extra: Partial<PageState> = {}, status = 200): Promise<FastifyReply> {
  const id = await boundVerification(ctx, l.session, l.channel);
  const base: PageState = { channel: l.channel, recipient: l.session.recipients[l.channel] ?? null, hide: l.session.hide, sent: false, ...extra };
  if (!id) return html(reply, status, renderPage(base));
  const v = await ctx.engine.get(l.caller, id).catch(() => null);
  if (!v) return html(reply, 404, renderGone());
  if (v.record.status === 'approved') return advance(ctx, reply, l);
  if (v.record.status !== 'pending' || ctx.clock.now() >= v.record.expiresAt) return failed(reply, l.session);
  return html(reply, status, renderPage({ ...base, recipient: v.record.to, sent: true, ...(v.code ? { sandboxCode: v.code } : {}) }));
}

/** The user-facing sentence for an error while sending. */
function sendError(err: unknown): { message: string; status: number } {
  const e = toGetOtpError(err);
  if (e.code === '1523') return { message: 'That does not look like a valid recipient. Please check it and try again.', status: 400 };
  if (e.status === 429) return { message: e.retryAfter ? `Please wait ${e.retryAfter} seconds before asking for another code.` : 'Too many codes were requested. Please try again later.', status: 429 };
  if (e.status >= 500) throw err;
  return { message: 'The code could not be sent. Please try again later.', status: e.status };
}

async function onSend(ctx: DialectContext, req: PageRequest, reply: FastifyReply, l: Loaded, form: Record<string, unknown>): Promise<FastifyReply> {
  const bound = await boundVerification(ctx, l.session, l.channel);
  try {
    if (bound) {
      await ctx.engine.resend(l.caller, bound);
    } else {
      // A recipient the app fixed cannot be changed on the page; otherwise the user types it once.
      const typed = typeof form['recipient'] === 'string' ? (form['recipient'] as string).trim().slice(0, 320) : '';
      const to = l.session.recipients[l.channel] ?? (typed ? legacyRecipient(l.channel, typed) : null);
      if (!to) return show(ctx, reply, l, { error: 'Please enter where to send the code.' }, 400);
      const res = await ctx.engine.create(l.caller, {
        to,
        channel: l.channel,
        locale: l.session.lang,
        reference: l.session.otpId,
        ...(l.session.metadata !== null ? { payload: l.session.metadata } : {}),
      });
      await bindVerification(ctx, l.session, l.channel, res.record.id);
    }
  } catch (err) {
    if (!isOtpError(err) && !(err instanceof GetOtpError)) throw err;
    const e = sendError(err);
    return show(ctx, reply, l, { error: e.message }, e.status);
  }
  // Post/redirect/get: a reload of the code form does not send again.
  return reply.redirect('./', 303);
}

async function onCheck(ctx: DialectContext, req: PageRequest, reply: FastifyReply, l: Loaded, form: Record<string, unknown>): Promise<FastifyReply> {
  const id = await boundVerification(ctx, l.session, l.channel);
  if (!id) return show(ctx, reply, l);
  const code = typeof form['code'] === 'string' ? (form['code'] as string).trim().slice(0, 32) : '';
  if (!code) return show(ctx, reply, l, { error: 'Please enter the code.' }, 400);
  const r = await ctx.engine.check(l.caller, id, code);
  if (r.valid) return advance(ctx, reply, l);
  if (r.reason === 'incorrect_code') {
    return show(ctx, reply, l, { error: `That code is not right. ${r.attemptsRemaining} attempt${r.attemptsRemaining === 1 ? '' : 's'} left.` }, 400);
  }
  if (r.reason === 'already_used') return advance(ctx, reply, l);
  return failed(reply, l.session);
}

/** GET shows the page; POST `action=send` sends (or resends) the code, `action=check` checks one. */
export function pageRoutes(app: FastifyInstance, ctx: DialectContext): void {
  const path = '/api/ui/verify/:otpId/:channel/';
  app.get(path, async (req: PageRequest, reply) => {
    const l = await load(ctx, req);
    return l ? show(ctx, reply, l) : html(reply, 404, renderGone());
  });
  app.post(path, async (req: PageRequest, reply) => {
    const l = await load(ctx, req);
    if (!l) return html(reply, 404, renderGone());
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    return form['action'] === 'check' ? onCheck(ctx, req, reply, l, form) : onSend(ctx, req, reply, l, form);
  });
}
