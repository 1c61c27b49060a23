// The GetOTP dialect: not implemented yet; mounts no routes and refuses to issue credentials.
import type { Dialect } from '../types.js';

export const getotpDialect: Dialect = {
  name: 'getotp',
  vendor: 'GetOTP',
  defaultPrefix: '/getotp',
  async register() {
    // Routes arrive with the dialect's implementation.
  },
  issueCredentials() {
    throw new Error('the getotp dialect is not implemented yet');
  },
};
