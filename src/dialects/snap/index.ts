// The Finpay (BI SNAP) dialect: Finpay Money linkage's token, Account Creation and Verify OTP over otpd's engine.
import type { Dialect } from '../types.js';
import { issueSnapCredentials } from './credentials.js';
import { installErrorHandlers } from './errors.js';
import { snapRoutes } from './routes.js';

export const snapDialect: Dialect = {
  name: 'snap',
  vendor: 'Finpay (BI SNAP)',
  defaultPrefix: '/snap',
  async register(app, ctx) {
    installErrorHandlers(app);
    // The signature covers the body as sent, so every body arrives as text and is parsed after
    // authentication; SNAP clients send application/json, but the content type is not what is trusted.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    snapRoutes(app, ctx);
  },
  issueCredentials: issueSnapCredentials,
};
