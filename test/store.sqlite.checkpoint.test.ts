// SQLite WAL checkpoints run on their own thread: the database file catches up with the WAL without any commit on the main connection doing it.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { BACKSTOP_PAGES } from '../src/store/sqlite/checkpointer.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const T0 = Date.UTC(2026, 0, 1);
const until = async (ok: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !ok(); ) await new Promise((r) => setTimeout(r, 50));
  return ok();
};

it('copies committed pages into the database file from the checkpoint thread, the main connection only as a far backstop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otpd-ckpt-'));
  const path = join(dir, 'otpd.sqlite');
  const store = new SqliteStore(path);
  try {
    await store.migrate();
    await store.createAccount({ id: 'acc_ckpt', name: 'ckpt', appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
    const size = () => statSync(path).size;
    // The schema reaches the file first.
    let before = size();
    await until(() => size() !== before && ((before = size()), false), 1_000);
    before = size();
    // About 2 MB of rows: a few hundred pages, far below the main connection's own threshold.
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => {
        const t = T0 + i;
        return store.insertVerification(
          {
            id: newId('ver', t), accountId: 'acc_ckpt', to: `+1415555${String(i).padStart(4, '0')}`, channel: 'sms', status: 'pending', codeHash: Buffer.alloc(32, 1),
            codeSealed: null, codeType: 'numeric', codeLength: 6, attempts: 0, maxAttempts: 5, sendCount: 1, maxSends: 5, lastSentAt: t, createdAt: t, updatedAt: t,
            expiresAt: t + 600_000, locale: 'en', templateId: null, sender: null, reference: null, metadata: null, sandbox: true, appName: null, message: null,
            payload: { pad: 'x'.repeat(1_000) },
          },
          { channel: 'sms', status: 'sandbox' },
          t,
        );
      }),
    );
    const probe = new Database(path, { readonly: true });
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    expect(2_000_000 / pageSize).toBeLessThan(BACKSTOP_PAGES);
    expect(await until(() => size() >= before + 2_000_000, 5_000)).toBe(true);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
