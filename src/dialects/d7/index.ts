// The D7 Verify dialect: not implemented yet; mounts no routes and refuses to issue credentials.
import type { Dialect } from '../types.js';

export const d7Dialect: Dialect = {
  name: 'd7',
  vendor: 'D7 Verify',
  defaultPrefix: '/d7',
  async register() {
    // Routes arrive with the dialect's implementation.
  },
  issueCredentials() {
    throw new Error('the d7 dialect is not implemented yet');
  },
};
