// Two otpd nodes (in one process, each with its own pool and worker) on one PostgreSQL: one pending verification per recipient, each send delivered once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoNodes, type TwoNodes } from './helpers/nodes.js';
import { postgresAvailable } from './helpers/postgres.js';
import type { TestServer } from './helpers/server.js';

const run = postgresAvailable('two nodes on PostgreSQL');

describe.runIf(run)('two otpd nodes sharing PostgreSQL', () => {
  let nodes: TwoNodes;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    nodes = await twoNodes({ env: { OTPD_DATABASE_POOL_MAX: '20' } });
    ({ a, b } = nodes);
  });
  afterAll(async () => nodes?.close());

  it('concurrent creates for one recipient on both nodes share one verification', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).req('POST', '/v1/verifications', { to: '+14155550303', channel: 'sms' }, { key: a.sandboxKey })),
    );
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
    // The rest were further sends of the same verification, refused by the cooldown; or, when their
    // counter hits landed together before the refused ones gave theirs back, by the recipient's send limit.
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(429);
      expect(r.body.code === 'resend_cooldown' || (r.body.code === 'rate_limited' && r.body.limit === 'recipient_sends_per_10min')).toBe(true);
    }
  });

  it('live sms created on both nodes are each delivered exactly once, by one of the two workers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await (i % 2 ? a : b).req('POST', '/v1/verifications', { to: `+14155550${600 + i}`, channel: 'sms' });
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    const delivered = (id: string) => [a, b].reduce((n, s) => n + s.consoleOut.text.split('\n').filter((l) => l.includes(`(${id})`)).length, 0);
    for (let i = 0; i < 100 && !ids.every((id) => delivered(id) >= 1); i++) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 300));
    expect(ids.map(delivered)).toEqual(ids.map(() => 1));
  });
});
