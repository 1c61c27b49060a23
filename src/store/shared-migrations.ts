// Migrations whose SQL is the same on SQLite and PostgreSQL: written once, so the two schemas cannot drift apart.

/**
 * Recipient counters keyed recipient first (r:<account>:<to>:<kind>, was rfc:/rs10:/rsh:/rsd: + account
 * + recipient): one recipient's counters then share an index page, and a create dirties one page of the
 * counters' key instead of one per kind. Renames what is stored, so every window keeps its counts.
 */
export const RECIPIENT_COUNTERS_FIRST = `
  UPDATE rate_counters SET key = 'r:' || substr(key, 5) || ':fc' WHERE key LIKE 'rfc:%';
  UPDATE rate_counters SET key = 'r:' || substr(key, 6) || ':s10' WHERE key LIKE 'rs10:%';
  UPDATE rate_counters SET key = 'r:' || substr(key, 5) || ':sh' WHERE key LIKE 'rsh:%';
  UPDATE rate_counters SET key = 'r:' || substr(key, 5) || ':sd' WHERE key LIKE 'rsd:%';
`;

/**
 * Carries an old send counter over (`kind` sh or sd, each window `spanMs` long): what it counted beyond
 * the next shorter counter (sh's 10-minute ones, sd's hours) goes to the new counter's window at its
 * start. `alias` names the row being carried, as the statement was first written (the migration's text
 * stays the same byte for byte).
 */
const carryBeyond = (kind: 'sh' | 'sd', shorterSuffix: '10' | 'h', spanMs: number, alias: string) => `
  INSERT INTO rate_counters (key, window_start, count, expires_at)
    SELECT b.key, b.window_start, b.count, b.expires_at FROM (
      SELECT substr(${alias}.key, 1, length(${alias}.key) - 1) AS key, ${alias}.window_start, ${alias}.window_start + 87000000 AS expires_at,
        ${alias}.count - coalesce((SELECT sum(t.count) FROM rate_counters t
          WHERE t.key = substr(${alias}.key, 1, length(${alias}.key) - 1) || '${shorterSuffix}' AND t.window_start >= ${alias}.window_start AND t.window_start < ${alias}.window_start + ${spanMs}), 0) AS count
      FROM rate_counters ${alias} WHERE ${alias}.key LIKE 'r:%:${kind}'
    ) b WHERE b.count > 0
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + excluded.count;`;

/**
 * A recipient's sends counted once, in 10-minute windows (r:<account>:<to>:s), the hour's and the day's
 * limits summing them, instead of three counters (s10, sh, sd) bumped on every send. Carries the old
 * counts over so that no limit restarts: each 10-minute count becomes its window; what an hour counted
 * beyond its 10-minute windows goes to the hour's first window; what a day counted beyond its hours, to
 * the day's first. Every hour and day then sums to what it counted before (a 10-minute window that
 * starts an hour or a day can read more than it did, never less).
 */
export const RECIPIENT_SEND_BUCKETS = `
  INSERT INTO rate_counters (key, window_start, count, expires_at)
    SELECT substr(key, 1, length(key) - 2), window_start, count, window_start + 87000000
    FROM rate_counters WHERE key LIKE 'r:%:s10'
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + excluded.count;${carryBeyond('sh', '10', 3600000, 'h')}${carryBeyond('sd', 'h', 86400000, 'd')}
  DELETE FROM rate_counters WHERE key LIKE 'r:%:s10' OR key LIKE 'r:%:sh' OR key LIKE 'r:%:sd';
`;
