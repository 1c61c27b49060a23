// Starts a real otpd on 127.0.0.1 with a fresh SQLite file, a known live key and a sandbox key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { issueDialectCredentials } from '../../src/dialects/issue.js';
import { readResponse } from './http.js';
import { loadConfig } from '../../src/config/load.js';
import { bootstrap, createOtpd, type Otpd } from '../../src/main.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const LIVE_KEY = 'otpd_live_test_bootstrap_key_0123456789abcdef';

/** Collects everything written to it, so tests can search logs and console deliveries. */
export class Capture extends Writable {
  chunks: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    cb();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

export interface TestServer {
  url: string;
  otpd: Otpd;
  dir: string;
  dbPath: string;
  liveKey: string;
  sandboxKey: string;
  logs: Capture;
  consoleOut: Capture;
  /** fetch against the server with JSON body and a bearer key (the live key unless given). */
  req(method: string, path: string, body?: unknown, opts?: { key?: string | null; headers?: Record<string, string>; raw?: string }): Promise<TestResponse>;
  /** Issues a dialect's vendor-shaped credentials for the default account, as `otpd credentials create` does; `display` maps label -> value. */
  credentials(dialect: string, opts?: { sandbox?: boolean; publicKeyPem?: string; account?: string }): Promise<{ ids: string[]; display: Record<string, string> }>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface StartOptions {
  clock?: Clock;
  env?: Record<string, string>;
  /** Reuse a data folder (restart tests). */
  dir?: string;
}

export async function startServer(o: StartOptions = {}): Promise<TestServer> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'otpd-test-'));
  const dbPath = join(dir, 'otpd.sqlite');
  const config = loadConfig({
    OTPD_DATABASE_URL: `sqlite:${dbPath}`,
    OTPD_SECRET: TEST_SECRET,
    OTPD_BOOTSTRAP_API_KEY: LIVE_KEY,
    OTPD_PORT: '0',
    OTPD_LOG_LEVEL: 'info',
    ...o.env,
  });
  const logs = new Capture();
  const consoleOut = new Capture();
  const otpd = await createOtpd(config, {
    clock: o.clock,
    logger: pino({ level: 'info' }, logs),
    consoleOut,
    worker: { pollMs: 50 },
  }).catch((e: unknown) => {
    // A server refused at start (a test of bad settings) leaves no folder behind either.
    if (!o.dir) rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  await bootstrap(otpd, logs);
  const { key: sandboxKey } = await otpd.accounts.createKey('default', { sandbox: true });
  otpd.worker.start();
  otpd.webhooks.start();
  const url = await otpd.app.listen({ host: '127.0.0.1', port: 0 });
  for (const d of otpd.dialects) if (d.server) await d.server.listen({ host: '127.0.0.1', port: d.port! });

  const issuedSecrets: string[] = [];
  const req: TestServer['req'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? LIVE_KEY : opts.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    return readResponse(await fetch(url + path, { method, headers, body: payload }));
  };

  return {
    url,
    otpd,
    dir,
    dbPath,
    liveKey: LIVE_KEY,
    sandboxKey,
    logs,
    consoleOut,
    req,
    async credentials(dialect, opts = {}) {
      const issued = await issueDialectCredentials(otpd.store, otpd.dialectCredentials, o.clock ?? systemClock, dialect, opts.account ?? 'default', opts);
      // Secret-looking values (tokens, secrets, keys; not ids) join the list the log scan looks for.
      for (const [label, value] of issued.display) if (/token|secret|key|password/i.test(label) && !/\b(sid|id)\b/i.test(label)) issuedSecrets.push(value);
      return { ids: issued.records.map((r) => r.id), display: Object.fromEntries(issued.display) };
    },
    async close() {
      await otpd.close();
      assertNoSecretsInLogs(logs.text, [LIVE_KEY, sandboxKey, ...issuedSecrets, ...codesIn(consoleOut.text)]);
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The codes the console provider printed (each delivery line reads "… is <code> …"). */
function codesIn(consoleText: string): string[] {
  return [...consoleText.matchAll(/ is ([A-Z0-9]{4,10})\b/g)].map((m) => m[1]!);
}

/**
 * Every test server checks its own logs when it closes: no API key, issued dialect secret or delivered
 * code may appear in them, so the whole suite doubles as a scan for leaks. Fields that are numbers by
 * nature (pid, time) are dropped first, so a code cannot match them by chance.
 */
export function assertNoSecretsInLogs(logText: string, secrets: string[]): void {
  const text = logText.replace(/"(pid|time|ms)":[\d.]+/g, '');
  const leaked = secrets.filter((x) => x.length >= 4 && new RegExp(`(^|[^A-Za-z0-9])${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9]|$)`).test(text));
  if (leaked.length) throw new Error(`secrets leaked into the logs: ${leaked.length} value(s), e.g. one starting ${leaked[0]!.slice(0, 3)}…`);
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The code the console provider printed for verification `id` (waits for the worker). */
export function codeFromConsole(s: TestServer, id: string, timeoutMs = 5000): Promise<string> {
  return waitFor(
    `a console delivery for ${id}`,
    () => {
      const line = s.consoleOut.text.split('\n').reverse().find((l) => l.includes(`(${id})`));
      return (line ? / is ([A-Z0-9]{4,10})\b/.exec(line) : null)?.[1];
    },
    timeoutMs,
  );
}
