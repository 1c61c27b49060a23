// The Twilio Verify v2 dialect: not implemented yet; mounts no routes and refuses to issue credentials.
import type { Dialect } from '../types.js';

export const twilioDialect: Dialect = {
  name: 'twilio',
  vendor: 'Twilio Verify v2',
  defaultPrefix: '/twilio',
  async register() {
    // Routes arrive with the dialect's implementation.
  },
  issueCredentials() {
    throw new Error('the twilio dialect is not implemented yet');
  },
};
