// Native v1 verification routes: create, get, check (by id or recipient), resend, cancel.
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Clock } from '../../core/clock.js';
import type { Engine } from '../../core/engine.js';
import { checkView, verificationView } from '../present.js';
import {
  CheckBody,
  CheckByRecipientBody,
  CheckView,
  CreateBody,
  IdempotencyHeaders,
  IdParams,
  Problem,
  ResendBody,
  VerificationView,
  commonErrors,
  type CreateBodyT,
} from '../schemas.js';

export function verificationRoutes(app: FastifyInstance, engine: Engine, clock: Clock): void {
  const tags = ['verifications'];

  app.post<{ Body: CreateBodyT; Headers: Static<typeof IdempotencyHeaders> }>(
    '/v1/verifications',
    {
      schema: {
        tags,
        summary: 'Create a verification and send the code',
        headers: IdempotencyHeaders,
        body: CreateBody,
        response: { 201: VerificationView, ...commonErrors, 409: Problem, 422: Problem, 429: Problem },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const res = await engine.create(
        req.caller,
        {
          to: b.to,
          channel: b.channel,
          codeLength: b.code_length,
          codeType: b.code_type,
          code: b.code,
          ttl: b.ttl,
          maxAttempts: b.max_attempts,
          locale: b.locale,
          templateId: b.template_id,
          sender: b.sender,
          reference: b.reference,
          metadata: b.metadata,
          payload: b.payload,
          clientIp: b.client_ip,
          riskCheck: b.risk_check,
        },
        req.headers['idempotency-key'],
      );
      return reply.code(201).send(verificationView(res, clock.now()));
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/verifications/:id',
    { schema: { tags, summary: 'Get a verification', params: IdParams, response: { 200: VerificationView, ...commonErrors } } },
    async (req) => verificationView(await engine.get(req.caller, req.params.id), clock.now()),
  );

  app.post<{ Body: Static<typeof CheckByRecipientBody> }>(
    '/v1/verifications/check',
    {
      schema: {
        tags,
        summary: 'Check a code against the newest pending verification for a recipient',
        body: CheckByRecipientBody,
        response: { 200: CheckView, ...commonErrors },
      },
    },
    async (req) => checkView(await engine.checkRecipient(req.caller, req.body.to, req.body.code, req.body.client_ip), clock.now()),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof CheckBody> }>(
    '/v1/verifications/:id/check',
    { schema: { tags, summary: 'Check a code', params: IdParams, body: CheckBody, response: { 200: CheckView, ...commonErrors } } },
    async (req) => checkView(await engine.check(req.caller, req.params.id, req.body.code, req.body.client_ip), clock.now()),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResendBody> }>(
    '/v1/verifications/:id/resend',
    {
      schema: {
        tags,
        summary: 'Send the same code again',
        params: IdParams,
        body: ResendBody,
        response: { 200: VerificationView, ...commonErrors, 409: Problem, 422: Problem, 429: Problem },
      },
    },
    async (req) => verificationView(await engine.resend(req.caller, req.params.id, req.body.channel), clock.now()),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/verifications/:id/cancel',
    { schema: { tags, summary: 'Cancel a pending verification', params: IdParams, response: { 200: VerificationView, ...commonErrors, 409: Problem } } },
    async (req) => verificationView(await engine.cancel(req.caller, req.params.id), clock.now()),
  );
}
