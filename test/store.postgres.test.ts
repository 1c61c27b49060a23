// Runs the store conformance suite against a real PostgreSQL, each case in a schema of its own.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
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

describe.runIf(Boolean(POSTGRES_URL))('postgres migrations', () => {
  it('two nodes migrating one fresh schema at once apply every step exactly once', async () => {
    const { schema, drop } = await freshSchema();
    const a = new PostgresStore(POSTGRES_URL!, { schema });
    const b = new PostgresStore(POSTGRES_URL!, { schema });
    try {
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      const { rows } = await c.query(`SELECT version FROM ${schema}.otpd_migrations ORDER BY version`);
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });
});
