// Runs the store conformance suite against SQLite on a real file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { storeConformance } from './store/conformance.js';

storeConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otpd-store-'));
  return { store: new SqliteStore(join(dir, 'otpd.sqlite')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
