// The GetOTP (otp.dev) dialect: both API generations over the engine, in GetOTP's own wire shapes and errors.
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Dialect, DialectContext } from '../types.js';
import { issueGetOtpCredentials } from './auth.js';
import { fail, sendGetOtpError } from './errors.js';
import { parseMultipart } from './multipart.js';
import { pageRoutes } from './page.js';
import { apiRoutes } from './routes.js';

async function register(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  // JSON (current API), form-encoded (legacy API, hosted page) and multipart (the legacy docs' `curl -F`).
  await app.register(formbody);
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, String(req.headers['content-type'] ?? '')));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.setErrorHandler((err, req, reply) => sendGetOtpError(err, req, reply, ctx.prefix, ctx.clock.now()));
  app.setNotFoundHandler((req, reply) => sendGetOtpError(fail('1901', `No route ${req.method} ${req.url.split('?')[0]}.`), req, reply, ctx.prefix, ctx.clock.now()));
  apiRoutes(app, ctx);
  pageRoutes(app, ctx);
}

export const getotpDialect: Dialect = {
  name: 'getotp',
  vendor: 'GetOTP',
  defaultPrefix: '/getotp',
  register,
  issueCredentials: issueGetOtpCredentials,
};
