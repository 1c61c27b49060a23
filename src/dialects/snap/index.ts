// The Finpay (BI SNAP) dialect: not implemented yet; mounts no routes and refuses to issue credentials.
import type { Dialect } from '../types.js';

export const snapDialect: Dialect = {
  name: 'snap',
  vendor: 'Finpay (BI SNAP)',
  defaultPrefix: '/snap',
  async register() {
    // Routes arrive with the dialect's implementation.
  },
  issueCredentials() {
    throw new Error('the snap dialect is not implemented yet');
  },
};
