// The Paytm (AI Router OTP) dialect: Initiate Transaction for a TXN token, then OTP generate/verify, answered in Paytm's {head, body} envelope.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Dialect, DialectContext } from '../types.js';
import { issuePaytmCredentials } from './credentials.js';
import { RESULTS, toPaytmError, type PaytmApi } from './errors.js';
import { initiateRoute } from './initiate-route.js';
import { otpRoutes } from './otp-routes.js';
import { PaytmSessions } from './sessions.js';
import { send } from './wire.js';

/** Which Paytm API a request addressed, so an error is answered in that API's vocabulary. */
function apiOf(req: FastifyRequest): PaytmApi {
  const api = (req.routeOptions.config as { paytmApi?: PaytmApi } | undefined)?.paytmApi;
  return api ?? (req.url.includes('/verify') ? 'verify' : req.url.includes('/theia/') ? 'initiate' : 'generate');
}

/** Sets up the scope: a raw-keeping JSON parser, Paytm-shaped error and not-found answers, and the routes. */
async function register(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  // The checksum signs the `body` text exactly as the merchant serialised it, so keep the raw text next to the parsed value.
  const raw = new WeakMap<FastifyRequest, string>();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    raw.set(req, body as string);
    parseJson(req, body as string, done);
  });

  app.setErrorHandler((err, req, reply) => {
    const e = toPaytmError(err, apiOf(req));
    if (e.http >= 500) req.log.error({ err, result_code: e.result.resultCode }, 'paytm request failed');
    return send(reply, ctx.clock.now(), e.result, {}, e.http, e.retryAfter);
  });
  app.setNotFoundHandler((_req, reply) => send(reply, ctx.clock.now(), RESULTS.badRequest, {}, 404));

  const sessions = new PaytmSessions(ctx.store.dialects, ctx.secrets);
  initiateRoute(app, ctx, sessions, (req) => raw.get(req));
  otpRoutes(app, ctx, sessions);
}

export const paytmDialect: Dialect = {
  name: 'paytm',
  vendor: 'Paytm (AI Router OTP)',
  defaultPrefix: '/paytm',
  register,
  issueCredentials: issuePaytmCredentials,
};
