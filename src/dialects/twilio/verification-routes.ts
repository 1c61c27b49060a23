// Routes for Verifications and VerificationCheck under a Service: start, fetch, update (cancel/approve), check.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CheckResult } from '../../core/engine.js';
import { normaliseAnyRecipient, normaliseRecipient } from '../../core/recipient.js';
import type { VerificationRecord } from '../../core/types.js';
import type { DialectContext } from '../types.js';
import { authOf } from './auth.js';
import { startRequest } from './create-input.js';
import { invalidParam, notFound, TwilioFault } from './errors.js';
import { templateIdOf, verificationIdOf } from './ids.js';
import { formOf, need, oneOf, str } from './params.js';
import { baseUrlOf, requireService } from './service-routes.js';
import type { ServiceRecord, ServiceStore } from './services.js';
import { checkView, lineType, META, twilioStatus, verificationView } from './wire.js';

type ServiceParams = { Params: { sid: string } };
type VerificationParams = { Params: { sid: string; vsid: string } };

// Twilio deletes a verification once it is approved, canceled or expired: fetch, update and check answer 20404.
const GONE = new Set(['approved', 'canceled', 'expired']);

/** Belongs to this Service: created through it (the metadata the create stamped). */
function owned(r: VerificationRecord | null, s: ServiceRecord): r is VerificationRecord {
  return r !== null && r.metadata?.[META.service] === s.sid;
}

/** The check outcome in Twilio's terms: 200 with the status, 60202 once attempts are spent, 20404 when gone. */
function checkOutcome(res: CheckResult): void {
  if (res.reason === 'max_attempts_reached') throw new TwilioFault(429, 60202, 'Max check attempts reached');
  if (res.reason !== 'approved' && res.reason !== 'incorrect_code') throw notFound();
}

export function verificationRoutes(app: FastifyInstance, ctx: DialectContext, services: ServiceStore): void {
  const { engine, store, clock } = ctx;

  /** The verification `vsid` of service `sid` in the caller's account, still present in Twilio's sense; else 20404. */
  async function live(req: FastifyRequest, sid: string, vsid: string): Promise<{ service: ServiceRecord; record: VerificationRecord }> {
    const service = await requireService(ctx, services, req, sid);
    const id = verificationIdOf(vsid);
    const record = id ? await store.getVerification(authOf(req).caller.account.id, id) : null;
    if (!owned(record, service) || GONE.has(twilioStatus(record, clock.now()))) throw notFound();
    return { service, record };
  }

  app.post<ServiceParams>('/v2/Services/:sid/Verifications', async (req, reply) => {
    const { caller, accountSid } = authOf(req);
    const service = await requireService(ctx, services, req, req.params.sid);
    const { input, channel } = startRequest(formOf(req.body), service);
    const to = normaliseRecipient(input.to, channel);
    const c = service.settings;
    if (c.skipSmsToLandlines && c.lookupEnabled && channel === 'sms' && lineType(to) === 'landline') {
      throw new TwilioFault(400, 60205, 'SMS is not supported by landline phone number');
    }
    if (!input.templateId && c.defaultTemplateSid) {
      // The Service's default template applies where it fits the channel; a Verification's own TemplateSid must fit.
      const t = await store.getTemplate(caller.account.id, templateIdOf(c.defaultTemplateSid) ?? '');
      if (t && t.channel === channel) input.templateId = t.id;
    }
    // otpd keeps one live verification per recipient and account (so attempts are never reset); Twilio's
    // Services are separate, so a recipient pending under another Service is a concurrent request here.
    const now = clock.now();
    const current = await store.findLatestForRecipient(caller.account.id, to);
    const elsewhere = (): TwilioFault => new TwilioFault(429, 60212, 'Too many concurrent requests for phone number: a verification for it is pending in another Service');
    if (current && current.status === 'pending' && now < current.expiresAt && !owned(current, service)) throw elsewhere();
    const res = await engine.create(caller, input);
    // Another Service won a race for this recipient between the look-up and the create.
    if (!owned(res.record, service)) throw elsewhere();
    return reply.code(201).send(verificationView(res.record, res.sends, service, accountSid, baseUrlOf(req, ctx.prefix), clock.now()));
  });

  app.get<VerificationParams>('/v2/Services/:sid/Verifications/:vsid', async (req) => {
    const { service, record } = await live(req, req.params.sid, req.params.vsid);
    const res = await engine.get(authOf(req).caller, record.id);
    return verificationView(res.record, res.sends, service, authOf(req).accountSid, baseUrlOf(req, ctx.prefix), clock.now());
  });

  app.post<VerificationParams>('/v2/Services/:sid/Verifications/:vsid', async (req) => {
    const { caller, accountSid } = authOf(req);
    const f = formOf(req.body);
    need(f, 'Status');
    const status = oneOf(f, 'Status', ['canceled', 'approved'])!;
    const { service, record } = await live(req, req.params.sid, req.params.vsid);
    if (status === 'canceled') {
      const res = await engine.cancel(caller, record.id);
      return verificationView(res.record, res.sends, service, accountSid, baseUrlOf(req, ctx.prefix), clock.now());
    }
    // Approving is Twilio's feedback for a CustomCode the app checked itself: it spends the code like a right check.
    if (record.metadata?.[META.customCode] !== '1') throw invalidParam('Status', 'approved is only for verifications started with a CustomCode');
    if (!record.codeSealed) throw notFound();
    checkOutcome(await engine.check(caller, record.id, ctx.secrets.open(record.codeSealed)));
    const res = await engine.get(caller, record.id);
    return verificationView(res.record, res.sends, service, accountSid, baseUrlOf(req, ctx.prefix), clock.now());
  });

  app.post<ServiceParams>('/v2/Services/:sid/VerificationCheck', async (req) => {
    const { caller, accountSid } = authOf(req);
    const service = await requireService(ctx, services, req, req.params.sid);
    const f = formOf(req.body);
    const code = need(f, 'Code', 64);
    if (code.length < 4 || code.length > 10) throw invalidParam('Code', 'must be 4 to 10 characters');
    const vsid = str(f, 'VerificationSid', { max: 34 });
    const rawTo = str(f, 'To', { max: 320 });
    if (vsid === undefined && rawTo === undefined) throw invalidParam('To', 'either To or VerificationSid is required');
    const to = rawTo === undefined ? undefined : normaliseAnyRecipient(rawTo);

    let record: VerificationRecord | null;
    if (vsid !== undefined) {
      const id = verificationIdOf(vsid);
      if (!id) throw invalidParam('VerificationSid', 'must be a VE… sid');
      record = await store.getVerification(caller.account.id, id);
      if (record && to !== undefined && record.to !== to) record = null;
    } else {
      record = await store.findLatestForRecipient(caller.account.id, to!);
    }
    // Ownership is settled before the attempt is counted: another Service's verification is not found, and costs nothing.
    if (!owned(record, service)) throw notFound();

    // PSD2: the code is bound to the amount and payee; a mismatch is a failed attempt, never an approval.
    const amount = record.metadata?.[META.amount];
    const mismatch = amount !== undefined && (str(f, 'Amount', { max: 64 }) !== amount || str(f, 'Payee', { max: 64 }) !== record.metadata?.[META.payee]);
    const res = await engine.check(caller, record.id, mismatch ? '\u0000' : code);
    checkOutcome(res);
    return checkView(res.record, service.sid, accountSid, clock.now());
  });
}
