// The Eko (EPS v3 mobile OTP) dialect: Eko's send / verify / validate-token API and its secret-key auth over otpd's engine.
import formbody from '@fastify/formbody';
import type { Dialect } from '../types.js';
import { issueEkoCredentials } from './credentials.js';
import { installErrorHandlers } from './errors.js';
import { ekoRoutes } from './routes.js';

export const ekoDialect: Dialect = {
  name: 'eko',
  vendor: 'Eko (EPS v3 mobile OTP)',
  defaultPrefix: '/eko',
  async register(app, ctx) {
    // Eko's docs send JSON; its older SDK defaults to form-urlencoded. Anything else is Eko's 415.
    await app.register(formbody);
    installErrorHandlers(app);
    ekoRoutes(app, ctx);
  },
  issueCredentials: issueEkoCredentials,
};
