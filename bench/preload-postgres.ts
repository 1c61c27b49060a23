// PostgreSQL loader for --preload: secondary indexes dropped, generate_series INSERT … SELECT per 1M rows, indexes rebuilt, VACUUM ANALYZE.
import pg from 'pg';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { MIX, RECIPIENT_STEP, type Plan } from './preload-plan.js';

const CHUNK = 1_000_000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Crockford base32 of bits `top+4 … 0` of a bigint column, 5 bits per char (the layout of src/core/ids.ts). */
const b32 = (col: string, top: number): string =>
  Array.from({ length: top / 5 + 1 }, (_, j) => `substr('${CROCKFORD}', ((${col} >> ${top - 5 * j}) & 31)::int + 1, 1)`).join(' || ');

const p = DEFAULT_POLICY;
const q = (s: string) => `'${s}'`;
// $1 lo, $2 hi, $3 n, $4 fromMs, $5 spanMs, $6 ttlMs, $7 recipients, $8 account id. Same rules as preload-sqlite.ts.
const CHUNK_SQL = `
WITH g AS MATERIALIZED (
  SELECT i, $4::bigint + (i * $5::bigint) / $3::bigint AS created, random() AS r, random() AS r2, random() AS r3, random() AS r4,
    (random() * 1099511627776)::bigint AS ra, (random() * 1099511627776)::bigint AS rb, i % ${MIX.pendingEvery} = ${MIX.pendingAt} AS pending,
    (i * ${RECIPIENT_STEP}) % $7::bigint AS k
  FROM generate_series($1::bigint, $2::bigint - 1) AS i
), s AS MATERIALIZED (
  SELECT g.*, 'ver_' || ${b32('created', 45)} || ${b32('ra', 35)} || ${b32('rb', 35)} AS id,
    CASE WHEN pending THEN 'pending' WHEN r < ${MIX.approved} THEN 'approved' WHEN r < ${MIX.expired} THEN 'expired'
      WHEN r < ${MIX.canceled} THEN 'canceled' ELSE 'max_attempts_reached' END AS status,
    CASE WHEN r3 < ${MIX.sms} THEN 'sms' WHEN r3 < ${MIX.whatsapp} THEN 'whatsapp' ELSE 'voice' END AS channel
  FROM g
), v AS (
  INSERT INTO verifications (id, account_id, to_addr, channel, status, code_hash, code_sealed, code_type, code_length, attempts, max_attempts,
    send_count, max_sends, last_sent_at, created_at, updated_at, expires_at, locale, sandbox)
  SELECT id, $8,
    CASE WHEN pending THEN '+1312' || (2000000 + i / ${MIX.pendingEvery})
      WHEN k % 20 < 14 THEN '+1' || (ARRAY[${MIX.areas.map(q).join(', ')}])[((k / 20) % 10)::int + 1] || (2000000 + (k / 200) % 8000000)
      WHEN k % 20 < 17 THEN '+447' || (400000000 + (k / 20) % 600000000)
      ELSE '+919' || (100000000 + (k / 20) % 900000000) END,
    channel, status, sha256(r::text::bytea),
    CASE WHEN pending THEN sha256(r2::text::bytea) || substr(sha256(r4::text::bytea), 1, 2) END,
    ${q(p.codeType)}, ${p.codeLength},
    CASE status WHEN 'approved' THEN CASE WHEN r2 < 0.1 THEN 2 ELSE 1 END WHEN 'expired' THEN CASE WHEN r2 < 0.3 THEN 1 ELSE 0 END
      WHEN 'max_attempts_reached' THEN ${p.maxAttempts} ELSE 0 END,
    ${p.maxAttempts}, 1, ${p.maxSends}, created, created,
    created + CASE status WHEN 'approved' THEN 8000 + floor(r2 * 60000) WHEN 'expired' THEN $6::bigint + floor(r2 * 60000)
      WHEN 'canceled' THEN floor(r2 * 120000) WHEN 'max_attempts_reached' THEN 20000 + floor(r2 * 100000) ELSE 0 END::bigint,
    created + $6::bigint, ${q(p.locale)}, false
  FROM s
)
INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at, error)
SELECT id, channel, CASE channel ${Object.entries(MIX.providers).map(([c, v]) => `WHEN ${q(c)} THEN ${q(v)}`).join(' ')} END,
  CASE WHEN status = 'expired' AND r2 >= 0.8 THEN 'failed' WHEN r4 < 0.05 THEN 'sent' ELSE 'delivered' END,
  1, created, 0, created, created + 1000 + floor(r4 * 4000)::bigint,
  CASE WHEN status = 'expired' AND r2 >= 0.8 THEN 'undeliverable: unreachable destination' END
FROM s`;

export async function loadPostgres(url: string, plan: Plan, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = off; SET work_mem = '512MB'; SET maintenance_work_mem = '1GB'");
    const { rows: indexes } = await c.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename IN ('verifications', 'sends')
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.connamespace = current_schema()::regnamespace AND k.conname = i.indexname)`,
    );
    for (const ix of indexes) await c.query(`DROP INDEX "${ix.name}"`);
    for (let lo = 0; lo < plan.n; lo += CHUNK) {
      const hi = Math.min(plan.n, lo + CHUNK);
      await c.query(CHUNK_SQL, [lo, hi, plan.n, plan.fromMs, plan.spanMs, plan.ttlMs, plan.recipients, plan.accountId]);
      log(`preload postgres: ${hi.toLocaleString('en')} / ${plan.n.toLocaleString('en')} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const t1 = performance.now();
    for (const ix of indexes) await c.query(ix.def);
    log(`preload postgres: ${indexes.length} indexes rebuilt in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    const t2 = performance.now();
    await c.query('VACUUM ANALYZE verifications, sends');
    log(`preload postgres: VACUUM ANALYZE in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  } finally {
    await c.end();
  }
}
