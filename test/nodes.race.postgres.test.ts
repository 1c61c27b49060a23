// Two otpd processes on one PostgreSQL: the attempt cap and the single approval hold when checks are split across them.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, postgresAvailable } from './helpers/postgres.js';
import { ensureBuilt, killAll, runCli, spawnServe, type ServeProcess } from './helpers/process.js';

const run = postgresAvailable('two otpd processes on PostgreSQL');

describe.runIf(run)('two otpd processes sharing PostgreSQL', () => {
  const children: ChildProcess[] = [];
  let nodes: ServeProcess[] = [];
  let key: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ensureBuilt();
    const s = await freshSchema();
    drop = s.drop;
    const env = { OTPD_DATABASE_URL: s.url, OTPD_SECRET: 'two-nodes-test-secret-0123456789abcdef', OTPD_BOOTSTRAP_API_KEY: 'otpd_live_two_nodes_key_0123456789abcdef', OTPD_DATABASE_POOL_MAX: '20' };
    // Both start at once: migrations and the default account must tolerate it.
    nodes = await Promise.all([spawnServe(env), spawnServe(env)]);
    children.push(...nodes.map((n) => n.child));
    const out = runCli(['keys', 'create', '--account', 'default', '--sandbox'], env);
    expect(out.status).toBe(0);
    key = /^(otpd_test_\S+)$/m.exec(out.stdout)![1]!;
  }, 180_000);
  afterAll(async () => {
    await killAll(children);
    await drop?.();
  });

  const call = async (node: ServeProcess, path: string, body: unknown) => {
    const res = await fetch(node.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('200 concurrent wrong checks split across both processes count exactly max_attempts', async () => {
    const created = await call(nodes[0]!, '/v1/verifications', { to: '+14155550701', channel: 'sms' });
    expect(created.status).toBe(201);
    const { id, code } = created.body;
    const wrong = code === '000000' ? '111111' : '000000';
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => call(nodes[i % 2]!, `/v1/verifications/${id}/check`, { code: wrong })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.reason === 'incorrect_code')).toHaveLength(5);
    expect(results.filter((r) => r.body.reason === 'max_attempts_reached')).toHaveLength(195);
    expect((await call(nodes[1]!, `/v1/verifications/${id}/check`, { code })).body).toMatchObject({ valid: false, reason: 'max_attempts_reached' });
  });

  it('50 concurrent correct checks across both processes approve exactly once; either process verifies the token', async () => {
    const created = await call(nodes[1]!, '/v1/verifications', { to: '+14155550702', channel: 'sms' });
    const { id, code } = created.body;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => call(nodes[i % 2]!, `/v1/verifications/${id}/check`, { code })));
    const approved = results.filter((r) => r.body.reason === 'approved');
    expect(approved).toHaveLength(1);
    expect(results.filter((r) => r.body.reason === 'already_used')).toHaveLength(49);
    for (const node of nodes) expect((await call(node, '/v1/tokens/verify', { token: approved[0]!.body.token })).body.valid).toBe(true);
  });
});
