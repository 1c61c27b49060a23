-- pgbench script: the database work of one create + check pair as otpd issues it on PostgreSQL, without otpd.
-- Run against a migrated schema: see bench/RESULTS.md ("What PostgreSQL alone can do here").
-- (Counter keys use | where otpd uses : because pgbench would read :name inside a literal as a variable.)
\set n random(1, 2000000000)
\set t random(1, 1000000)
BEGIN;
SET LOCAL synchronous_commit = off;
INSERT INTO rate_counters (key, window_start, count, expires_at)
  VALUES ('r|acc|+1415' || :n::text || '|s10', 0, 1, 0), ('r|acc|+1415' || :n::text || '|sh', 0, 1, 0), ('r|acc|+1415' || :n::text || '|sd', 0, 1, 0),
         ('acd|acc', 0, 1, 0), ('ps|acc|+1415', 0, 1, 0), ('pm|acc|+1415', :t::bigint, 1, 0)
  ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + excluded.count RETURNING count;
COMMIT;
WITH v AS (
  INSERT INTO verifications (id, account_id, to_addr, channel, status, code_hash, code_sealed, code_type, code_length, attempts, max_attempts,
    send_count, max_sends, last_sent_at, created_at, updated_at, expires_at, locale, sandbox)
  VALUES ('ver_' || :n::text, 'acc', '+1415' || :n::text, 'sms', 'pending', '\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', NULL, 'numeric', 6, 0, 5,
    1, 5, 0, 0, 0, 9999999999999, 'en', true)
  ON CONFLICT (account_id, to_addr) WHERE status = 'pending' DO NOTHING
  RETURNING id
)
INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at)
  SELECT v.id, 'sms', NULL, 'sandbox', 0, 0, 0, 0, 0 FROM v RETURNING *;
UPDATE verifications SET attempts = attempts + 1, updated_at = 1,
  status = CASE WHEN code_hash = '\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff' THEN 'approved' ELSE status END, code_sealed = NULL
  WHERE id = 'ver_' || :n::text AND account_id = 'acc' AND status = 'pending' AND attempts < max_attempts RETURNING *;
BEGIN;
SET LOCAL synchronous_commit = off;
INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES ('pa|acc|+1415', 0, 1, 0)
  ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + excluded.count RETURNING count;
COMMIT;
