// Batched counter hits: merging concurrent requests' hits gives each the count it would have seen alone, and limits still admit exactly their number.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { mergeHits } from '../src/store/counter-batch.js';
import type { CounterHit } from '../src/store/guard-types.js';
import { twoNodes, type TwoNodes } from './helpers/nodes.js';
import { postgresAvailable } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';

const countArb = fc.record({
  key: fc.constantFrom('acd:a', 'ps:a:+1415', 'r:a:+14155550001:s', 'pa:a:+1415'),
  windowStart: fc.constantFrom(0, 60_000, 120_000),
  expiresAt: fc.integer({ min: 0, max: 10 }),
  add: fc.integer({ min: -1, max: 2 }),
});
/** A span: the sum of a key's windows from `from` through `windowStart` (a peek). */
const spanArb = fc
  .record({ key: fc.constantFrom('r:a:+14155550001:s', 'acd:a'), windowStart: fc.constantFrom(0, 60_000, 120_000), from: fc.constantFrom(0, 60_000, 120_000) })
  .filter((h) => h.from <= h.windowStart)
  .map((h): CounterHit => ({ ...h, expiresAt: 0, add: 0 }));
const hitArb = fc.oneof(countArb, spanArb);
const slot = (h: CounterHit) => `${h.key}|${h.windowStart}|${h.from ?? ''}`;
/** One caller's hits: distinct counters, as the guard sends them. */
const callArb = fc.uniqueArray(hitArb, { selector: slot, maxLength: 5 });

/** The answers of running the hits one after another against `counts` (key|window -> count). */
function runOne(counts: Map<string, number>, h: CounterHit): number {
  if (h.from !== undefined) {
    let sum = 0;
    for (const [k, n] of counts) {
      const [key, w] = k.split('|');
      if (key === h.key && Number(w) >= h.from && Number(w) <= h.windowStart) sum += n;
    }
    return sum;
  }
  const k = `${h.key}|${h.windowStart}`;
  const n = (counts.get(k) ?? 0) + h.add;
  counts.set(k, n);
  return n;
}

describe('mergeHits', () => {
  it('each caller gets the counts of running the calls one after another, from any starting counts', () => {
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 8 }), fc.array(fc.tuple(countArb, fc.integer({ min: 0, max: 50 })), { maxLength: 6 }), (calls, startRows) => {
        const start = new Map(startRows.map(([h, n]) => [`${h.key}|${h.windowStart}`, n]));
        const seq = new Map(start);
        const expected = calls.map((hits) => hits.map((h) => runOne(seq, h)));
        // The store's side: every add of the batch first, then each span summed after them.
        const store = new Map(start);
        const m = mergeHits(calls);
        const counts = m.merged.map((h) => (h.from === undefined ? runOne(store, h) : NaN));
        m.merged.forEach((h, i) => h.from !== undefined && (counts[i] = runOne(store, h)));
        expect(m.split(counts)).toEqual(expected);
        expect(store).toEqual(seq);
        expect(new Set(m.merged.map(slot)).size).toBe(m.merged.length);
      }),
    );
  });

  it('sorts the merged counters by key, so every batch locks shared rows in one order', () => {
    const h = (key: string, add = 1): CounterHit => ({ key, windowStart: 0, expiresAt: 1, add });
    const m = mergeHits([[h('ps:a'), h('acd:a')], [h('pa:a', 0), h('acd:a')]]);
    expect(m.merged.map((x) => [x.key, x.add])).toEqual([['acd:a', 2], ['pa:a', 0], ['ps:a', 1]]);
  });
});

/** 30 creates at once, in one second, against a limit of 10 per second: exactly 10 are accepted. */
async function burst(s: TestServer, first = 6000): Promise<number[]> {
  const rs = await Promise.all(
    Array.from({ length: 30 }, (_, i) => s.req('POST', '/v1/verifications', { to: `+1415555${String(first + i)}`, channel: 'sms' }, { key: s.sandboxKey })),
  );
  return rs.map((r) => r.status);
}

describe('a limit under concurrent creates, with hits batched', () => {
  const env = { OTPD_RATE_LIMITS: 'account_creates_per_second=10', OTPD_PUMPING_GUARD: 'min_sends=0' };

  describe('SQLite', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServer({ clock: new ManualClock(Date.UTC(2026, 10, 3, 10, 0, 0)), env });
    });
    afterAll(async () => s?.close());

    it('admits exactly the limit', async () => {
      const statuses = await burst(s);
      expect(statuses.filter((x) => x === 201)).toHaveLength(10);
      expect(statuses.filter((x) => x === 429)).toHaveLength(20);
    });
  });

  describe.runIf(postgresAvailable('batched counters on PostgreSQL'))('PostgreSQL, two nodes', () => {
    let nodes: TwoNodes;
    let a: TestServer;
    let b: TestServer;
    beforeAll(async () => {
      nodes = await twoNodes({ env, clock: new ManualClock(Date.UTC(2026, 10, 3, 10, 0, 0)) });
      ({ a, b } = nodes);
    });
    afterAll(async () => nodes?.close());

    it('admits exactly the limit across both nodes', async () => {
      const [x, y] = await Promise.all([burst(a, 6000), burst(b, 7000)]);
      const all = [...x, ...y];
      expect(all.filter((v) => v === 201)).toHaveLength(10);
      expect(all.filter((v) => v === 429)).toHaveLength(50);
    });
  });
});
