// GetOTP's API routes: send and verify (current API), the legacy hosted-page API, and template upkeep.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../core/engine.js';
import { isOtpError } from '../../core/errors.js';
import type { DialectContext } from '../types.js';
import { authenticate } from './auth.js';
import { fail } from './errors.js';
import { isUuid } from './ids.js';
import { createSession, sessionOf, statusView } from './legacy.js';
import { parseLegacyCreate } from './legacy-wire.js';
import { pagePath } from './page.js';
import { deleteTemplate, findTemplate, parseTemplateBody, putTemplate, resolveTemplate, templateView } from './templates.js';
import { parseCreate, parseVerifyQuery, verificationView } from './wire.js';

/** Page size reported in `pagination`: a verify matches at most one verification. */
const PAGE_SIZE = 10;
/** Longer input cannot be a code; it is cut (still a wrong code, still an attempt) rather than hashed whole. */
const MAX_CODE = 64;

/** Sends a code the current way: `{data: {channel, sender, phone, template, code_length | code, payload}}`. */
async function createCurrent(ctx: DialectContext, caller: Caller, body: unknown): Promise<Record<string, unknown>> {
  const r = parseCreate(body);
  const template = await resolveTemplate(ctx, caller.account.id, r.templateId);
  const res = await ctx.engine.create(caller, {
    to: r.to,
    channel: r.channel,
    ...(r.code !== undefined ? { code: r.code } : { codeLength: r.codeLength }),
    sender: r.sender,
    // The template's body, copied: a template edited later does not change a code already on its way.
    message: template.body,
    ...(r.payload !== undefined ? { payload: r.payload } : {}),
  });
  // A sandbox credential delivers nothing, so the code comes back for the app's own tests.
  return { ...verificationView(res.record), ...(res.code !== undefined ? { code: res.code } : {}) };
}

/** The absolute base URL clients reach this dialect at, for the legacy `link` (a browser follows it). */
function publicBase(req: FastifyRequest, prefix: string): string {
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const proto = first(req.headers['x-forwarded-proto']);
  const host = first(req.headers['x-forwarded-host']) ?? req.host;
  // Only a host[:port] goes into a URL the browser follows; anything else falls back to what we listen on.
  const safeHost = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : req.hostname;
  return `${proto === 'https' || proto === 'http' ? proto : req.protocol}://${safeHost}${prefix}`;
}

export function apiRoutes(app: FastifyInstance, ctx: DialectContext): void {
  const creds = ctx.credentials;

  app.post('/v1/verifications', async (req) => createCurrent(ctx, await authenticate(req, creds), req.body));

  // The older address takes both generations: `{data: {...}}` is the current API, form fields the hosted-page API.
  const legacyCreate = async (req: FastifyRequest, reply: FastifyReply) => {
    const caller = await authenticate(req, creds);
    const body = req.body as Record<string, unknown> | null | undefined;
    if (body && typeof body === 'object' && !Array.isArray(body) && 'data' in body) return createCurrent(ctx, caller, body);
    const { session, secret } = await createSession(ctx, caller, parseLegacyCreate(body ?? {}));
    const link = publicBase(req, '') + pagePath(ctx.prefix, session.otpId, session.channels[0]!);
    return reply.code(201).send({ otp_id: session.otpId, link, otp_secret: secret });
  };
  app.post('/api/verify/', legacyCreate);
  app.post('/api/verify', legacyCreate);

  const legacyStatus = async (req: FastifyRequest<{ Params: { otpId: string } }>) => {
    const caller = await authenticate(req, creds);
    return statusView(ctx, caller, await sessionOf(ctx, caller, req.params.otpId));
  };
  app.get('/api/verify/:otpId/', legacyStatus);
  app.get('/api/verify/:otpId', legacyStatus);

  // Verify by phone and code. Every call with a code spends an attempt on the newest verification for
  // that phone (the engine counts before it compares), so this cannot be used to try codes freely.
  app.get('/v1/verifications', async (req) => {
    const caller = await authenticate(req, creds);
    const q = parseVerifyQuery(req.query);
    const empty = { data: [], pagination: { number: 1, size: PAGE_SIZE, total: 0 } };
    if (!q.code) return empty;
    try {
      const r = await ctx.engine.checkRecipient(caller, q.to, q.code.slice(0, MAX_CODE));
      return r.valid ? { data: [verificationView(r.record)], pagination: { number: 1, size: PAGE_SIZE, total: 1 } } : empty;
    } catch (e) {
      // No verification for that phone: GetOTP's answer is an empty list, not an error.
      if (isOtpError(e) && e.code === 'not_found') return empty;
      throw e;
    }
  });

  // otpd's addition: GetOTP templates live in its dashboard, so an operator registers each one here
  // under the UUID the app already uses, and the app's configuration does not change.
  const templateId = (raw: string): string => {
    if (!isUuid(raw)) throw fail('1512');
    return raw.toLowerCase();
  };
  app.put('/v1/templates/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = await authenticate(req, creds);
    const id = templateId(req.params.id);
    return templateView(await putTemplate(ctx, caller.account.id, id, parseTemplateBody(req.body)));
  });
  app.get('/v1/templates/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = await authenticate(req, creds);
    const t = await findTemplate(ctx, caller.account.id, templateId(req.params.id));
    if (!t) throw fail('1901', 'No template with that id.');
    return templateView(t);
  });
  app.delete('/v1/templates/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const caller = await authenticate(req, creds);
    if (!(await deleteTemplate(ctx, caller.account.id, templateId(req.params.id)))) throw fail('1901', 'No template registered through this API with that id.');
    return reply.code(204).send();
  });
}
