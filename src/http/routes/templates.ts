// Native v1 template routes: an account's own message templates.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { TemplateCatalog } from '../../core/template-catalog.js';
import { templateView } from '../present.js';
import { Problem, TemplateBody, TemplateParams, TemplateView, commonErrors } from '../schemas.js';

export function templateRoutes(app: FastifyInstance, catalog: TemplateCatalog): void {
  const tags = ['templates'];
  app.post<{ Body: Static<typeof TemplateBody> }>(
    '/v1/templates',
    { schema: { tags, summary: 'Create a message template', body: TemplateBody, response: { 201: TemplateView, ...commonErrors, 422: Problem } } },
    async (req, reply) => reply.code(201).send(templateView(await catalog.create(req.caller.account.id, req.body))),
  );
  app.get(
    '/v1/templates',
    { schema: { tags, summary: 'List templates', response: { 200: Type.Object({ templates: Type.Array(TemplateView) }), ...commonErrors } } },
    async (req) => ({ templates: (await catalog.list(req.caller.account.id)).map(templateView) }),
  );
  app.get<{ Params: Static<typeof TemplateParams> }>(
    '/v1/templates/:id',
    { schema: { tags, summary: 'Get a template', params: TemplateParams, response: { 200: TemplateView, ...commonErrors } } },
    async (req) => templateView(await catalog.get(req.caller.account.id, req.params.id)),
  );
  app.delete<{ Params: Static<typeof TemplateParams> }>(
    '/v1/templates/:id',
    { schema: { tags, summary: 'Delete a template', params: TemplateParams, response: { 204: Type.Null(), ...commonErrors } } },
    async (req, reply) => {
      await catalog.delete(req.caller.account.id, req.params.id);
      return reply.code(204).send();
    },
  );
}
