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
