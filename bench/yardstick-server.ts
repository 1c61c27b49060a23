// The yardstick: a plain Fastify app whose routes each do one SQLite insert and one update by primary key.
import Database from 'better-sqlite3';
import Fastify from 'fastify';

/**
 * What a straightforward service on the same stack costs per request, measured by the same client in
 * the same run: WAL with synchronous=NORMAL like otpd, each statement its own transaction, no logging,
 * no authentication, no guard, no signature. otpd's figure divided by this one says what its work adds.
 */
const [portArg, path] = [process.argv[2], process.argv[3]];
if (!path) throw new Error('usage: yardstick-server PORT DATABASE_FILE');
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, body TEXT NOT NULL, status TEXT NOT NULL, hits INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`);
const insert = db.prepare(`INSERT INTO items (id, body, status, hits, updated_at) VALUES (?, ?, 'pending', 0, ?)`);
const update = db.prepare(`UPDATE items SET hits = hits + 1, status = ?, updated_at = ? WHERE id = ?`);

let seq = 0;
const app = Fastify({ logger: false });
app.post<{ Body: { to?: string } }>('/v1/verifications', async (req, reply) => {
  const now = Date.now();
  const id = `itm_${now.toString(36)}_${(seq++).toString(36)}`;
  insert.run(id, JSON.stringify(req.body), now);
  update.run('pending', now, id);
  reply.code(201);
  return { id, status: 'pending', to: req.body.to, channel: 'sms', attempts_remaining: 5, sends: [], code: '123456' };
});
app.post<{ Params: { id: string }; Body: { code?: string } }>('/v1/verifications/:id/check', async (req) => {
  const now = Date.now();
  insert.run(`log_${now.toString(36)}_${(seq++).toString(36)}`, JSON.stringify(req.body), now);
  update.run('approved', now, req.params.id);
  return { id: req.params.id, status: 'approved', valid: true, reason: 'approved', attempts_remaining: 4, token: 'x' };
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(portArg ?? 0), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
