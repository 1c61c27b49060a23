// The Twilio Verify v2 dialect: Services, Verifications and VerificationCheck over otpd's engine, in Twilio's wire format.
import formbody from '@fastify/formbody';
import type { Dialect } from '../types.js';
import { basicAuth } from './auth.js';
import { issueTwilioCredentials } from './credentials.js';
import { notFound, sendTwilioError } from './errors.js';
import { serviceRoutes } from './service-routes.js';
import { ServiceStore } from './services.js';
import { verificationRoutes } from './verification-routes.js';

export const twilioDialect: Dialect = {
  name: 'twilio',
  vendor: 'Twilio Verify v2',
  defaultPrefix: '/twilio',
  async register(app, ctx) {
    // Twilio's clients send form-encoded bodies; JSON (inherited from the root) is not what Twilio reads.
    app.removeAllContentTypeParsers();
    await app.register(formbody);
    app.setErrorHandler((err, req, reply) => sendTwilioError(err, req, reply, ctx.prefix));
    app.setNotFoundHandler((req, reply) => sendTwilioError(notFound(), req, reply, ctx.prefix));
    app.addHook('onRequest', basicAuth(ctx.credentials));
    const services = new ServiceStore(ctx.store);
    serviceRoutes(app, ctx, services);
    verificationRoutes(app, ctx, services);
  },
  issueCredentials: issueTwilioCredentials,
};
