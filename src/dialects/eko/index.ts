// The Eko (EPS v3 mobile OTP) dialect: not implemented yet; mounts no routes and refuses to issue credentials.
import type { Dialect } from '../types.js';

export const ekoDialect: Dialect = {
  name: 'eko',
  vendor: 'Eko (EPS v3 mobile OTP)',
  defaultPrefix: '/eko',
  async register() {
    // Routes arrive with the dialect's implementation.
  },
  issueCredentials() {
    throw new Error('the eko dialect is not implemented yet');
  },
};
