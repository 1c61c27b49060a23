// The D7 Verify v1 dialect: D7's wire format over otpd's engine, with bearer app tokens and delivery postbacks.
import type { FastifyInstance } from 'fastify';
import type { Dialect, DialectContext } from '../types.js';
import { d7Auth, issueD7Credentials } from './auth.js';
import { startPostbacks } from './callbacks.js';
import { D7Error, installErrorHandlers } from './errors.js';
import { d7Routes } from './routes.js';
import { OtpState } from './state.js';

/**
 * D7's clients send JSON, mostly with `Content-Type: application/json`; like FastAPI, any other or
 * missing type is still read as JSON, and a body that is not JSON is a 422, never a 415 or 5xx.
 */
function jsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      const msg = e instanceof Error ? e.message : 'Expecting value';
      done(new D7Error(422, { detail: [{ loc: ['body', 0], msg, type: 'value_error.jsondecode' }] }), undefined);
    }
  });
}

export const d7Dialect: Dialect = {
  name: 'd7',
  vendor: 'D7 Verify',
  defaultPrefix: '/d7',
  async register(app: FastifyInstance, ctx: DialectContext) {
    installErrorHandlers(app);
    jsonBodies(app);
    app.addHook('onRequest', d7Auth(ctx.credentials));
    const state = new OtpState(ctx.store);
    d7Routes(app, ctx, state);
    // One subscription per mount; it ends with the server.
    const stop = startPostbacks(ctx.events, state, ctx.logger);
    app.addHook('onClose', async () => stop());
  },
  issueCredentials: issueD7Credentials,
};
