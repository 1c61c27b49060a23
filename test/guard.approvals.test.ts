// The pumping guard's approval counts: carried by the next create's counters, else written by a timer or at shutdown, never lost or doubled.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 8, 2, 12, 30, 0);
const hour = Math.floor(now / HOUR) * HOUR;

/** What the store holds for the default account's approvals to a prefix this hour. */
async function approvalsIn(store: Pick<Store, 'guard' | 'findAccountByName'>, prefix: string): Promise<number> {
  const account = (await store.findAccountByName('default'))!;
  return store.guard.sumWindows(`pa:${account.id}:${prefix}`, hour, hour + 1);
}

describe('approval counts for the pumping guard', () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  /** Creates a verification for `to` and approves it. */
  async function approve(server: TestServer, to: string): Promise<void> {
    const c = await server.req('POST', '/v1/verifications', { to, channel: 'sms' }, { key: server.sandboxKey });
    expect(c.status).toBe(201);
    const v = await server.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: server.sandboxKey });
    expect(v.body.valid).toBe(true);
  }

  it('ride along with the next create, which sees them, and each is counted once', async () => {
    s = await startServer({ clock: new ManualClock(now) });
    await approve(s, '+4915112000001');
    // Not written yet: it waits for a create.
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(0);
    // The next create (to the same prefix) carries it, and its own approval waits in turn.
    await approve(s, '+4915112000002');
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(1);
    // A create to another country carries that one.
    expect((await s.req('POST', '/v1/verifications', { to: '+33612340001', channel: 'sms' }, { key: s.sandboxKey })).status).toBe(201);
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(2);
    // Nothing is left to write: a flush adds nothing, and neither does the next create.
    await s.otpd.guard.flush();
    expect((await s.req('POST', '/v1/verifications', { to: '+33612340002', channel: 'sms' }, { key: s.sandboxKey })).status).toBe(201);
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(2);
  });

  it('are seen by the next create to their prefix, which the pumping detector would block without them', async () => {
    // Rules that block a prefix at its second send unless at least half of its sends were approved:
    // no grace for codes in flight, and any hourly volume counts as a spike.
    s = await startServer({ clock: new ManualClock(now), env: { OTPD_PUMPING_GUARD: 'min_sends=2,min_conversion=0.5,conversion_grace_seconds=0,spike_factor=0' } });
    await approve(s, '+4915112000011');
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(0);
    // 2 sends, 1 approval (the one riding with this create): 50 % converted, so not blocked.
    const second = await s.req('POST', '/v1/verifications', { to: '+4915112000012', channel: 'sms' }, { key: s.sandboxKey });
    expect(second.status).toBe(201);
    // A third send with no new approval: 1 of 3, and the detector blocks, as it should.
    const third = await s.req('POST', '/v1/verifications', { to: '+4915112000013', channel: 'sms' }, { key: s.sandboxKey });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ limit: 'fraud_prefix_blocked' });
  });

  it('are written within a second when no create comes', async () => {
    s = await startServer({ clock: new ManualClock(now) });
    const c = await s.req('POST', '/v1/verifications', { to: '+4915112000003', channel: 'sms' }, { key: s.sandboxKey });
    // Timed from before the approval, so the bound below holds however slow the machine is.
    const started = Date.now();
    expect((await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: s.sandboxKey })).body.valid).toBe(true);
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(0);
    await waitFor('the approval in the store', async () => ((await approvalsIn(s!.otpd.store, '+49151')) === 1 ? true : undefined), 3_000);
    // The timer, not the poll: it fires APPROVAL_FLUSH_MS after the approval.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('are written at shutdown', async () => {
    s = await startServer({ clock: new ManualClock(now) });
    const { dbPath } = s;
    const dir = s.dir;
    await approve(s, '+4915112000004');
    await approve(s, '+4915112000005');
    await approve(s, '+4915112000006');
    // Each create carried the approval before it; the last one waits.
    expect(await approvalsIn(s.otpd.store, '+49151')).toBe(2);
    // Closed at once, before the timer: the shutdown writes them.
    await s.otpd.close();
    s = undefined;
    const reopened = new SqliteStore(dbPath);
    try {
      expect(await approvalsIn(reopened, '+49151')).toBe(3);
    } finally {
      await reopened.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });
});
