// The guards hold across nodes: two otpd nodes on one PostgreSQL share rate-limit counters, the failed-check budget and prefix blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { twoNodes, type TwoNodes } from '../helpers/nodes.js';
import { postgresAvailable } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';

const run = postgresAvailable('guards across nodes on PostgreSQL');

describe.runIf(run)('guards across two nodes on PostgreSQL', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 4, 8, 0, 0));
  let nodes: TwoNodes;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    nodes = await twoNodes({ env: { OTPD_PUMPING_GUARD: 'min_sends=10,conversion_grace_seconds=0' }, clock });
    ({ a, b } = nodes);
  });
  afterAll(async () => nodes?.close());

  const on = (n: number) => (n % 2 ? a : b);

  it('recipient sends: 5 per 10 minutes, however the sends are spread over the nodes', async () => {
    const to = '+14155555001';
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await on(i).req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: a.sandboxKey });
      statuses.push(r.status);
      if (r.status === 201) await on(i).req('POST', `/v1/verifications/${r.body.id}/cancel`, undefined, { key: a.sandboxKey });
      if (r.status === 429) expect(r.body.limit).toBe('recipient_sends_per_10min');
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
  });

  it('the failed-check budget spans nodes and verifications', async () => {
    const to = '+14155555002';
    let wrong = 0;
    for (let round = 0; round < 5; round++) {
      const c = await on(round).req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: a.sandboxKey });
      if (c.status === 429) {
        expect(c.body.limit).toBe('recipient_failed_checks_per_hour');
        break;
      }
      for (let i = 0; i < 5; i++) {
        const r = await on(i).req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code === '000000' ? '111111' : '000000' }, { key: a.sandboxKey });
        if (r.body.reason === 'incorrect_code') wrong++;
      }
      clock.advance(31_000);
    }
    expect(wrong).toBe(15);
  });

  it('a prefix blocked through one node is refused by the other once its 5 s cache turns over', async () => {
    clock.advance(3_600_000);
    let blocked = false;
    for (let i = 0; i < 20 && !blocked; i++) {
      const r = await a.req('POST', '/v1/verifications', { to: `+3361235${String(1000 + i)}`, channel: 'sms' }, { key: a.sandboxKey });
      blocked = r.status === 429 && r.body.limit === 'fraud_prefix_blocked';
    }
    expect(blocked).toBe(true);
    clock.advance(5_001);
    const viaB = await b.req('POST', '/v1/verifications', { to: '+33612359999', channel: 'sms' }, { key: a.sandboxKey });
    expect(viaB.status).toBe(429);
    expect(viaB.body.limit).toBe('fraud_prefix_blocked');
    expect(await b.otpd.guard.unblock('+33612')).toBe(1);
    clock.advance(5_001);
    expect((await a.req('POST', '/v1/verifications', { to: '+33612359998', channel: 'sms' }, { key: a.sandboxKey })).status).toBe(201);
  });
});
