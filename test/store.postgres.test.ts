// Runs the store conformance suite against a real PostgreSQL, each case in a schema of its own.
import { describe } from 'vitest';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { freshSchema, postgresAvailable, POSTGRES_URL } from './helpers/postgres.js';
import { storeConformance } from './store/conformance.js';

if (postgresAvailable('store conformance: postgres')) {
  storeConformance('postgres', async () => {
    const { schema, drop } = await freshSchema();
    return { store: new PostgresStore(POSTGRES_URL!, { schema, max: 30 }), cleanup: drop };
  });
} else {
  describe.skip('store conformance: postgres (OTPD_TEST_POSTGRES_URL not set)', () => undefined);
}
