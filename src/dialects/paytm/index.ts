// The Paytm (AI Router OTP) dialect: not implemented yet; mounts no routes and refuses to issue credentials.
import type { Dialect } from '../types.js';

export const paytmDialect: Dialect = {
  name: 'paytm',
  vendor: 'Paytm (AI Router OTP)',
  defaultPrefix: '/paytm',
  async register() {
    // Routes arrive with the dialect's implementation.
  },
  issueCredentials() {
    throw new Error('the paytm dialect is not implemented yet');
  },
};
