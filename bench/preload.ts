// `--preload N`: seeds a fresh bench database with N past verifications (one send each) before otpd starts.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import pg from 'pg';
import { Accounts, DEFAULT_ACCOUNT } from '../src/core/accounts.js';
import { systemClock } from '../src/core/clock.js';
import { Secrets } from '../src/core/code.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { loadPostgres } from './preload-postgres.js';
import { RECIPIENT_STEP, type Plan } from './preload-plan.js';
import { loadSqlite } from './preload-sqlite.js';

export type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };


export interface PreloadResult {
  rows: number;
  seconds: number;
  bytes: number;
}

const MB = 2 ** 20;
export const mb = (bytes: number): string => (bytes / MB).toFixed(0);

/** A file's size in bytes; 0 when it does not exist (no -wal yet). */
function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/** What the store holds: verifications stored and, on SQLite, the WAL and the pages free for reuse (purged rows leave them). */
export async function dbContents(t: Target): Promise<{ verifications: number; walBytes?: number; freeBytes?: number }> {
  if (t.kind === 'sqlite') {
    const db = new Database(t.path, { readonly: true });
    try {
      const verifications = (db.prepare('SELECT count(*) AS n FROM verifications').get() as { n: number }).n;
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const free = db.pragma('freelist_count', { simple: true }) as number;
      return { verifications, walBytes: fileSize(`${t.path}-wal`), freeBytes: free * pageSize };
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>('SELECT count(*) AS n FROM verifications');
    return { verifications: Number(rows[0]?.n ?? 0) };
  } finally {
    await c.end();
  }
}

/** On-disk size: the SQLite file plus its -wal, or every table of the schema with indexes and TOAST. */
export async function dbBytes(t: Target): Promise<number> {
  if (t.kind === 'sqlite') return fileSize(t.path) + fileSize(`${t.path}-wal`);
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ b: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS b FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm')`,
      [t.schema],
    );
    return Number(rows[0]?.b ?? 0);
  } finally {
    await c.end();
  }
}

/** Migrates, creates the default account, bulk-loads `n` verifications spread over the last `days`. */
export async function preload(t: Target, n: number, days: number, secret: string, log: (line: string) => void): Promise<PreloadResult> {
  const t0 = performance.now();
  const store: Store = t.kind === 'sqlite' ? new SqliteStore(t.path) : new PostgresStore(t.url);
  let accountId: string;
  try {
    await store.migrate();
    accountId = (await new Accounts(store, new Secrets(secret), systemClock).ensure(DEFAULT_ACCOUNT)).account.id;
  } finally {
    await store.close();
  }
  // Oldest expires an hour inside the retention window (housekeeping keeps all), newest 15 min ago (all expired).
  const now = Date.now();
  const fromMs = now - days * 86_400_000 + 3_600_000;
  let recipients = Math.max(1_000, Math.ceil(n / 3));
  if (recipients % RECIPIENT_STEP === 0) recipients++;
  const plan: Plan = { n, accountId, fromMs, spanMs: now - 900_000 - fromMs, ttlMs: DEFAULT_POLICY.ttlSeconds * 1000, recipients };
  if (plan.spanMs <= 0) throw new Error('--retention must be at least 1 day');
  if (t.kind === 'sqlite') loadSqlite(t.path, plan, log);
  else await loadPostgres(t.url, plan, log);
  const seconds = (performance.now() - t0) / 1000;
  const bytes = await dbBytes(t);
  log(`preload ${t.kind}: ${n.toLocaleString('en')} verifications in ${seconds.toFixed(1)} s (${Math.round(n / seconds).toLocaleString('en')}/s); database ${mb(bytes)} MB`);
  return { rows: n, seconds, bytes };
}
