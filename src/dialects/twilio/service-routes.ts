// Routes for Verify Services: create, fetch, update and delete (POST/GET/POST/DELETE /v2/Services[/{VA…}]).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DialectContext } from '../types.js';
import { authOf } from './auth.js';
import { invalidParam, notFound } from './errors.js';
import { templateIdOf } from './ids.js';
import { formOf } from './params.js';
import { newServiceSid, parseSettings, type ServiceRecord, type ServiceSettings, type ServiceStore } from './services.js';
import { serviceView } from './wire.js';

type SidParams = { Params: { sid: string } };

/** Where this client addresses the API: scheme, host, mount prefix and /v2, for the `url` fields. */
export function baseUrlOf(req: FastifyRequest, prefix: string): string {
  return `${req.protocol}://${req.host}${prefix}/v2`;
}

/** The caller's service `sid`, or 20404. */
export async function requireService(ctx: DialectContext, services: ServiceStore, req: FastifyRequest, sid: string): Promise<ServiceRecord> {
  const s = await services.get(authOf(req).caller.account.id, sid, ctx.clock.now());
  if (!s) throw notFound();
  return s;
}

/** A default template must be one of the account's otpd templates, named by its HJ sid. */
async function checkTemplate(ctx: DialectContext, accountId: string, settings: ServiceSettings): Promise<void> {
  if (!settings.defaultTemplateSid) return;
  const id = templateIdOf(settings.defaultTemplateSid);
  if (!id || !(await ctx.store.getTemplate(accountId, id))) throw invalidParam('DefaultTemplateSid', 'no such template in this account');
}

export function serviceRoutes(app: FastifyInstance, ctx: DialectContext, services: ServiceStore): void {
  app.post('/v2/Services', async (req, reply) => {
    const { caller, accountSid } = authOf(req);
    const settings = parseSettings(formOf(req.body));
    await checkTemplate(ctx, caller.account.id, settings);
    const now = ctx.clock.now();
    const record: ServiceRecord = { sid: newServiceSid(), accountSid, createdAt: now, updatedAt: now, settings };
    if (!(await services.insert(caller.account.id, record, now))) throw new Error('service sid collision');
    return reply.code(201).send(serviceView(record, baseUrlOf(req, ctx.prefix)));
  });

  app.get<SidParams>('/v2/Services/:sid', async (req) => serviceView(await requireService(ctx, services, req, req.params.sid), baseUrlOf(req, ctx.prefix)));

  app.post<SidParams>('/v2/Services/:sid', async (req) => {
    const { caller } = authOf(req);
    const current = await requireService(ctx, services, req, req.params.sid);
    const settings = parseSettings(formOf(req.body), current.settings);
    await checkTemplate(ctx, caller.account.id, settings);
    const updated: ServiceRecord = { ...current, settings, updatedAt: ctx.clock.now() };
    await services.put(caller.account.id, updated);
    return serviceView(updated, baseUrlOf(req, ctx.prefix));
  });

  app.delete<SidParams>('/v2/Services/:sid', async (req, reply) => {
    if (!(await services.remove(authOf(req).caller.account.id, req.params.sid, ctx.clock.now()))) throw notFound();
    return reply.code(204).send();
  });
}
