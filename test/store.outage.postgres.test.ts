// PostgreSQL outage: /readyz fails and requests get 503 store_unavailable within a bounded time; the node recovers by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';
import { ThrowawayPostgres } from './helpers/throwaway-postgres.js';

const run = postgresAvailable('PostgreSQL outage');

describe.runIf(run)('PostgreSQL goes away and comes back', () => {
  let db: ThrowawayPostgres;
  let s: TestServer;

  beforeAll(async () => {
    db = await ThrowawayPostgres.create();
    s = await startServer({ env: { OTPD_DATABASE_URL: db.url, OTPD_DATABASE_TIMEOUT_MS: '1000' } });
  }, 60_000);
  afterAll(async () => {
    await s?.close().catch(() => undefined);
    db?.destroy();
  });

  it('answers 503 while the database is down and recovers without a restart', async () => {
    const created = await s.req('POST', '/v1/verifications', { to: '+14155550501', channel: 'sms' }, { key: s.sandboxKey });
    expect(created.status).toBe(201);
    expect((await s.req('GET', '/readyz')).status).toBe(200);

    db.stop();
    const t0 = Date.now();
    const ready = await s.req('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toContain('application/problem+json');
    expect(ready.body.code).toBe('store_unavailable');
    const check = await s.req('POST', `/v1/verifications/${created.body.id}/check`, { code: created.body.code }, { key: s.sandboxKey });
    expect(check.status).toBe(503);
    expect(check.body.code).toBe('store_unavailable');
    const create = await s.req('POST', '/v1/verifications', { to: '+14155550502', channel: 'sms' }, { key: s.sandboxKey });
    expect(create.status).toBe(503);
    // Bounded: each of the three requests gave up within the configured timeout, not after minutes.
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await s.req('GET', '/healthz')).status).toBe(200);

    db.start();
    let readyAgain = 0;
    for (let i = 0; i < 50 && readyAgain !== 200; i++) {
      readyAgain = (await s.req('GET', '/readyz')).status;
      if (readyAgain !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(readyAgain).toBe(200);
    // Nothing acknowledged was lost, and the refused check during the outage counted nothing.
    const after = await s.req('POST', `/v1/verifications/${created.body.id}/check`, { code: created.body.code }, { key: s.sandboxKey });
    expect(after.body).toMatchObject({ valid: true, reason: 'approved', attempts_remaining: 4 });
  }, 60_000);
});
