// PostgreSQL for tests: the URL from OTPD_TEST_POSTGRES_URL, a fresh schema per use, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = process.env['OTPD_TEST_POSTGRES_URL'];

/** Whether PostgreSQL tests run; outside CI a missing URL skips them with a clear line, under CI it is an error. */
export function postgresAvailable(suite: string): boolean {
  if (POSTGRES_URL) return true;
  if (process.env['CI'] === 'true') throw new Error(`${suite}: OTPD_TEST_POSTGRES_URL must be set under CI=true`);
  console.warn(`skipping ${suite}: set OTPD_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it`);
  return false;
}

/** Creates a schema of its own and returns it, a database URL that works in it, and a function that drops it. */
export async function freshSchema(): Promise<{ schema: string; url: string; drop: () => Promise<void> }> {
  const schema = `otpd_test_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const url = new URL(POSTGRES_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: POSTGRES_URL });
      await d.connect();
      await d.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await d.end();
    },
  };
}
