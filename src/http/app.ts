// The Fastify application: shared plumbing (validation, problem+json, OpenAPI, logging) and the native API routes.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Engine } from '../core/engine.js';
import { OtpError } from '../core/errors.js';
import type { TemplateCatalog } from '../core/template-catalog.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/types.js';
import type { KeyRing } from '../tokens/keys.js';
import type { TokenService } from '../tokens/tokens.js';
import { bearerAuth, requireScope } from './auth.js';
import { sendProblem } from './errors.js';
import { callbackRoutes, type ReceiptHandler } from './routes/callbacks.js';
import { healthRoutes } from './routes/health.js';
import { templateRoutes } from './routes/templates.js';
import { jwksRoute, tokenRoutes } from './routes/tokens.js';
import { verificationRoutes } from './routes/verifications.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { Subscriptions } from '../webhooks/subscriptions.js';

export interface AppDeps {
  store: Store;
  engine: Engine;
  templates: TemplateCatalog;
  tokens: TokenService;
  ring: KeyRing;
  secrets: Secrets;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  bodyLimit: number;
  version: string;
  subscriptions: Subscriptions;
  /** Where provider status callbacks go (the delivery worker). */
  onReceipt: ReceiptHandler;
}

/** A Fastify instance with otpd's common plumbing: strict validation, body limit, one log line and a metric per request. */
export function baseFastify(d: Pick<AppDeps, 'logger' | 'metrics' | 'bodyLimit'>): FastifyInstance {
  const app = Fastify({
    loggerInstance: d.logger as FastifyBaseLogger,
    // One line per request (below) instead of Fastify's two; headers (and so API keys) are never logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: d.bodyLimit,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true } },
  });
  // JSON only unless a binding says otherwise: a text/plain body (fetch's default for a bare string) gets 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  // Callback-form hooks here and on the v1 routes: an async hook costs a promise and a microtask turn per request.
  app.addHook('onResponse', (req, reply, done) => {
    d.metrics.httpResponses.inc({ class: `${Math.floor(reply.statusCode / 100)}xx` });
    req.log.info({ method: req.method, route: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    done();
  });
  return app as unknown as FastifyInstance;
}

export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  const app = baseFastify(d);
  app.setErrorHandler((err, req, reply) => sendProblem(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendProblem(new OtpError('not_found', `No route ${req.method} ${req.url.split('?')[0]}.`), req, reply));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'otpd native API', version: d.version, description: 'Self-hosted OTP verification: create, deliver, check, prove.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, d.store, d.metrics);
  await callbackRoutes(app, d.secrets, d.onReceipt);
  jwksRoute(app, d.ring);

  await app.register(async (v1) => {
    v1.addHook('onRequest', bearerAuth(d.store, d.secrets, d.clock));
    // A POST without a body (cancel, resend) validates as an empty object.
    v1.addHook('preValidation', (req, _reply, done) => {
      if (req.body === undefined || req.body === null) req.body = {};
      done();
    });
    await v1.register(async (scope) => {
      scope.addHook('onRequest', requireScope('verifications'));
      verificationRoutes(scope, d.engine, d.clock);
      tokenRoutes(scope, d.tokens);
    });
    await v1.register(async (scope) => {
      scope.addHook('onRequest', requireScope('admin'));
      templateRoutes(scope, d.templates);
      webhookRoutes(scope, d.subscriptions, d.store);
    });
  });

  return app;
}
