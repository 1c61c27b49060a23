// Upgrading carries the recipient counters over: counts written under the old keys (rsd:…, rfc:…, then r:…:s10/sh/sd) still refuse after migrate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { freshSchema, POSTGRES_URL, postgresAvailable } from './helpers/postgres.js';
import { startServer } from './helpers/server.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const SPENT_DAY = '+14155557001';
const SPENT_CHECKS = '+14155557002';
const SPENT_HOUR = '+14155557004';
const ONE_LEFT_THIS_HOUR = '+14155557005';
const TEN_MINUTES = 600_000;

/** Old-format counters: a day's send budget, an hour's wrong-code budget and an hour's send budget spent; one hour's send budget one short. */
function oldCounters(accountId: string, now: number): [string, number, number, number][] {
  const day = Math.floor(now / DAY) * DAY;
  const hour = Math.floor(now / HOUR) * HOUR;
  const ten = Math.floor(now / TEN_MINUTES) * TEN_MINUTES;
  return [
    [`rsd:${accountId}:${SPENT_DAY}`, day, 20, day + 2 * DAY],
    [`rfc:${accountId}:${SPENT_CHECKS}`, hour, 15, hour + 2 * HOUR],
    // Three counters a send, as the last version kept them: the hour's 10 (2 of them in this 10 minutes) is spent…
    [`r:${accountId}:${SPENT_HOUR}:s10`, ten, 2, ten + 2 * TEN_MINUTES],
    [`r:${accountId}:${SPENT_HOUR}:sh`, hour, 10, hour + 2 * HOUR],
    [`r:${accountId}:${SPENT_HOUR}:sd`, day, 10, day + 2 * DAY],
    // …and this one has exactly one send left in the hour.
    [`r:${accountId}:${ONE_LEFT_THIS_HOUR}:s10`, ten, 2, ten + 2 * TEN_MINUTES],
    [`r:${accountId}:${ONE_LEFT_THIS_HOUR}:sh`, hour, 9, hour + 2 * HOUR],
    [`r:${accountId}:${ONE_LEFT_THIS_HOUR}:sd`, day, 9, day + 2 * DAY],
  ];
}

/** Starts otpd on a store whose two counter migrations were undone and old-key counters written, and asserts they still refuse. */
async function expectCarriedOver(env: Record<string, string>, dir: string, downgrade: (accountId: string, now: number) => Promise<void>): Promise<void> {
  const clock = new ManualClock(Date.UTC(2026, 10, 2, 9, 30, 0));
  const first = await startServer({ clock, env, dir });
  const accountId = (await first.otpd.store.findAccountByName('default'))!.id;
  await first.close();
  await downgrade(accountId, clock.now());
  const s = await startServer({ clock, env, dir });
  try {
    const day = await s.req('POST', '/v1/verifications', { to: SPENT_DAY, channel: 'sms' }, { key: s.sandboxKey });
    expect(day.status).toBe(429);
    expect(day.body.limit).toBe('recipient_sends_per_day');
    const checks = await s.req('POST', '/v1/verifications', { to: SPENT_CHECKS, channel: 'sms' }, { key: s.sandboxKey });
    expect(checks.status).toBe(429);
    expect(checks.body.limit).toBe('recipient_failed_checks_per_hour');
    const hour = await s.req('POST', '/v1/verifications', { to: SPENT_HOUR, channel: 'sms' }, { key: s.sandboxKey });
    expect(hour.status).toBe(429);
    expect(hour.body.limit).toBe('recipient_sends_per_hour');
    const last = await s.req('POST', '/v1/verifications', { to: ONE_LEFT_THIS_HOUR, channel: 'sms' }, { key: s.sandboxKey });
    expect(last.status).toBe(201);
    await s.req('POST', `/v1/verifications/${last.body.id}/cancel`, undefined, { key: s.sandboxKey });
    const over = await s.req('POST', '/v1/verifications', { to: ONE_LEFT_THIS_HOUR, channel: 'sms' }, { key: s.sandboxKey });
    expect(over.status).toBe(429);
    expect(over.body.limit).toBe('recipient_sends_per_hour');
    const fresh = await s.req('POST', '/v1/verifications', { to: '+14155557003', channel: 'sms' }, { key: s.sandboxKey });
    expect(fresh.status).toBe(201);
  } finally {
    await s.close();
  }
}

describe('recipient counter keys across the upgrade', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'otpd-keys-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('SQLite: counts under the old keys still refuse after migrate', async () => {
    const dir = tempDir();
    await expectCarriedOver({}, dir, async (accountId, now) => {
      const db = new Database(join(dir, 'otpd.sqlite'));
      // Back to before the two counter migrations: the key change (recipient first), then one send counter.
      db.pragma(`user_version = ${SQLITE_MIGRATIONS.length - 2}`);
      const ins = db.prepare('INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES (?, ?, ?, ?)');
      for (const row of oldCounters(accountId, now)) ins.run(...row);
      db.close();
    });
  });

  it.runIf(postgresAvailable('recipient counter keys on PostgreSQL'))('PostgreSQL: counts under the old keys still refuse after migrate', async () => {
    const schema = await freshSchema();
    try {
      await expectCarriedOver({ OTPD_DATABASE_URL: schema.url }, tempDir(), async (accountId, now) => {
        const c = new pg.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        try {
          await c.query(`DELETE FROM ${schema.schema}.otpd_migrations WHERE version >= $1`, [POSTGRES_MIGRATIONS.length - 1]);
          for (const row of oldCounters(accountId, now)) await c.query(`INSERT INTO ${schema.schema}.rate_counters (key, window_start, count, expires_at) VALUES ($1, $2, $3, $4)`, row);
        } finally {
          await c.end();
        }
      });
    } finally {
      await schema.drop();
    }
  });
});
