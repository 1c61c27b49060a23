// Two otpd nodes on one fresh PostgreSQL schema, as two machines behind a load balancer would be.
import type { Clock } from '../../src/core/clock.js';
import { freshSchema } from './postgres.js';
import { startServer, type TestServer } from './server.js';

export interface TwoNodes {
  a: TestServer;
  b: TestServer;
  /** Closes both nodes, then drops the schema. */
  close(): Promise<void>;
}

/** Starts two nodes sharing a schema of their own; `env` is given to both (its database URL is replaced). */
export async function twoNodes(o: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TwoNodes> {
  const schema = await freshSchema();
  const env = { ...o.env, OTPD_DATABASE_URL: schema.url };
  const started: TestServer[] = [];
  const close = async () => {
    for (const s of started) await s.close();
    await schema.drop();
  };
  try {
    started.push(await startServer({ env, clock: o.clock }));
    started.push(await startServer({ env, clock: o.clock }));
  } catch (e) {
    await close();
    throw e;
  }
  return { a: started[0]!, b: started[1]!, close };
}
