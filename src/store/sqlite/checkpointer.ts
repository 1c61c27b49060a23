// WAL checkpoints on a worker thread with its own connection, so the event loop never copies pages or waits on fsync for them.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints what the WAL holds (PASSIVE: it never blocks a writer or a reader). */
export const CHECKPOINT_INTERVAL_MS = 250;
/**
 * The main connection's own automatic checkpoint stays on, far out, as a backstop: if the thread
 * cannot keep up (or is gone) the WAL is still bounded, at about 40 MB with 4 KiB pages.
 */
export const BACKSTOP_PAGES = 10_000;

// The thread's whole program. Eval'd CommonJS, so it runs the same from src/ (tests) and dist/.
const PROGRAM = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.run(); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); try { checkpoint.run(); db.close(); } catch {} parentPort.close(); });
`;

/**
 * SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: it copies those pages
 * into the database file and syncs it, and every request in that turn waits (20–30 ms here, the
 * largest single cause of the p99). This thread does it instead, a little at a time.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(path: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    // A small heap: the thread runs one prepared statement on a timer.
    this.worker = new Worker(PROGRAM, { eval: true, workerData: { path, module, intervalMs }, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // A failing thread only means the backstop checkpoint takes over; it must not take the process down.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  /** A last checkpoint, then the thread ends. */
  async stop(): Promise<void> {
    // Referenced again while stopping: an unreferenced thread (and timer) would let the process end
    // in the middle of this await, before its caller set the exit code or printed its error.
    this.worker.ref();
    this.worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
