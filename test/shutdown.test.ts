// Graceful shutdown is bounded: SIGTERM with a delivery hanging on a slow webhook still exits, and the send stays in the outbox.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenLocal } from './helpers/provider.js';
import { ensureBuilt, exited, killAll, runCli, spawnServe } from './helpers/process.js';
import { waitFor } from './helpers/server.js';

const KEY = 'otpd_live_shutdown_test_key_0123456789abcdef';
const children: ChildProcess[] = [];
let dir: string;
let hook: Server;
let hookUrl: string;
const hanging: IncomingMessage[] = [];

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'otpd-shutdown-'));
  // Takes the webhook POST and never answers.
  hook = createServer((req) => void hanging.push(req));
  hookUrl = await listenLocal(hook);
}, 180_000);
afterAll(async () => {
  await killAll(children);
  await closeServer(hook);
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('exits within the shutdown timeout while a delivery hangs, leaving the send queued', async () => {
    const env = {
      OTPD_DATABASE_URL: `sqlite:${join(dir, 'otpd.sqlite')}`,
      OTPD_SECRET: 'shutdown-test-secret-0123456789abcdefgh',
      OTPD_BOOTSTRAP_API_KEY: KEY,
      OTPD_WEBHOOK_TIMEOUT_MS: '60000',
      OTPD_SHUTDOWN_TIMEOUT_MS: '1000',
    };
    const node = await spawnServe(env);
    children.push(node.child);
    expect(runCli(['accounts', 'set-webhook', 'default', `${hookUrl}/otp`], env).status).toBe(0);
    const res = await fetch(`${node.url}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+14155550951', channel: 'webhook' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await waitFor('the webhook POST to arrive', () => (hanging.length ? true : undefined));

    node.child.kill('SIGTERM');
    const { code } = await exited(node.child);
    expect(code).toBe(1);
    expect(node.output()).toContain('shutdown timed out');

    // The send was not lost: it is still in the outbox, queued for the next worker.
    const db = new Database(join(dir, 'otpd.sqlite'), { readonly: true });
    const send = db.prepare('SELECT status, lease_until FROM sends WHERE verification_id = ?').get(id) as { status: string; lease_until: number };
    db.close();
    expect(send.status).toBe('queued');
    expect(send.lease_until).toBeGreaterThan(0);
  });
});
