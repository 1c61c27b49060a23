// SQLite loader for --preload: secondary indexes dropped, one prepared INSERT per table in big transactions, indexes rebuilt.
import { randomBytes, randomFillSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { newId } from '../src/core/ids.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { MIX, RECIPIENT_STEP, type Plan } from './preload-plan.js';

const CHUNK = 250_000;

/** E.164 number of closed-verification recipient k (k < 1.6e9 gives distinct numbers); mirrored in preload-postgres.ts. */
function recipient(k: number): string {
  const c = k % 20;
  const q = Math.floor(k / 20);
  if (c < 14) return `+1${MIX.areas[q % 10]!}${2_000_000 + (Math.floor(q / 10) % 8_000_000)}`;
  if (c < 17) return `+447${400_000_000 + (q % 600_000_000)}`;
  return `+919${100_000_000 + (q % 900_000_000)}`;
}

export function loadSqlite(path: string, plan: Plan, log: (line: string) => void): void {
  const t0 = performance.now();
  const db = new Database(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576');
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('verifications', 'sends') AND sql IS NOT NULL")
      .all() as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`DROP INDEX "${ix.name}"`);

    const p = DEFAULT_POLICY;
    const insertVer = db.prepare(
      `INSERT INTO verifications (id, account_id, to_addr, channel, status, code_hash, code_sealed, code_type, code_length, attempts, max_attempts,
        send_count, max_sends, last_sent_at, created_at, updated_at, expires_at, locale, sandbox)
       VALUES (?, ?, ?, ?, ?, ?, ?, '${p.codeType}', ${p.codeLength}, ?, ${p.maxAttempts}, 1, ${p.maxSends}, ?, ?, ?, ?, '${p.locale}', 0)`,
    );
    const insertSend = db.prepare(
      `INSERT INTO sends (verification_id, channel, provider, status, attempts, next_attempt_at, lease_until, created_at, updated_at, error)
       VALUES (?, ?, ?, ?, 1, ?, 0, ?, ?, ?)`,
    );
    const hashes = Buffer.alloc(CHUNK * 32);
    const chunk = db.transaction((lo: number, hi: number) => {
      randomFillSync(hashes);
      for (let i = lo; i < hi; i++) {
        const created = plan.fromMs + Math.floor((i * plan.spanMs) / plan.n);
        const pending = i % MIX.pendingEvery === MIX.pendingAt;
        const r = Math.random();
        const r2 = Math.random();
        const r3 = Math.random();
        const r4 = Math.random();
        const status = pending ? 'pending' : r < MIX.approved ? 'approved' : r < MIX.expired ? 'expired' : r < MIX.canceled ? 'canceled' : 'max_attempts_reached';
        const channel = r3 < MIX.sms ? 'sms' : r3 < MIX.whatsapp ? 'whatsapp' : 'voice';
        const to = pending ? `+1312${2_000_000 + Math.floor(i / MIX.pendingEvery)}` : recipient((i * RECIPIENT_STEP) % plan.recipients);
        let attempts = 0;
        let updated = created;
        if (status === 'approved') [attempts, updated] = [r2 < 0.1 ? 2 : 1, created + 8_000 + Math.floor(r2 * 60_000)];
        else if (status === 'expired') [attempts, updated] = [r2 < 0.3 ? 1 : 0, created + plan.ttlMs + Math.floor(r2 * 60_000)];
        else if (status === 'canceled') updated = created + Math.floor(r2 * 120_000);
        else if (status === 'max_attempts_reached') [attempts, updated] = [p.maxAttempts, created + 20_000 + Math.floor(r2 * 100_000)];
        const id = newId('ver', created);
        const o = (i - lo) * 32;
        insertVer.run(id, plan.accountId, to, channel, status, hashes.subarray(o, o + 32), pending ? randomBytes(34) : null, attempts, created, created, updated, created + plan.ttlMs);
        const failed = status === 'expired' && r2 >= 0.8;
        const sendStatus = failed ? 'failed' : r4 < 0.05 ? 'sent' : 'delivered';
        insertSend.run(id, channel, MIX.providers[channel], sendStatus, created, created, created + 1_000 + Math.floor(r4 * 4_000), failed ? 'undeliverable: unreachable destination' : null);
      }
    });
    for (let lo = 0; lo < plan.n; lo += CHUNK) {
      const hi = Math.min(plan.n, lo + CHUNK);
      chunk(lo, hi);
      if (hi % 1_000_000 === 0 || hi === plan.n) log(`preload sqlite: ${hi.toLocaleString('en')} / ${plan.n.toLocaleString('en')} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const t1 = performance.now();
    for (const ix of indexes) db.exec(ix.sql);
    log(`preload sqlite: ${indexes.length} indexes rebuilt in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
