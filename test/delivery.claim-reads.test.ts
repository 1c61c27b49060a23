// Sends claimed together share one read of their account and of each template; the next claim reads afresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimReads } from '../src/delivery/claim-reads.js';
import type { Store } from '../src/store/types.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('claim reads', () => {
  let s: TestServer;
  let accountId: string;
  const calls: string[] = [];
  /** The real store, with its account and template reads counted on the way through. */
  let counted: Store;

  beforeAll(async () => {
    s = await startServer();
    accountId = (await s.otpd.accounts.byName('default'))!.id;
    expect((await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'nl', body: 'Code {code} voor {app}' })).status).toBe(201);
    counted = new Proxy(s.otpd.store, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('reads an account and each template once for all the sends of a claim, and gives each the store’s answer', async () => {
    calls.length = 0;
    const reads = new ClaimReads(counted);
    const accounts = await Promise.all([1, 2, 3, 4, 5].map(() => reads.account(accountId)));
    expect(accounts.every((a) => a?.id === accountId && a.name === 'default')).toBe(true);
    const nl = await Promise.all([1, 2, 3].map(() => reads.findTemplate(accountId, 'sms', 'nl')));
    expect(nl.map((t) => t?.body)).toEqual(['Code {code} voor {app}', 'Code {code} voor {app}', 'Code {code} voor {app}']);
    expect(await reads.findTemplate(accountId, 'sms', 'de')).toBeNull();
    expect(await reads.getTemplate(accountId, nl[0]!.id)).toEqual(nl[0]);
    expect(await reads.getTemplate(accountId, nl[0]!.id)).toEqual(nl[0]);
    expect(calls).toEqual(['getAccount', 'findTemplate', 'findTemplate', 'getTemplate']);
    expect(await reads.account('acc_missing')).toBeNull();
  });

  it('forgets a read that failed, so a send that asks after it reads again', async () => {
    let failNext = true;
    const flaky = new Proxy(s.otpd.store, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver) as unknown;
        if (name !== 'getAccount' || typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('connection reset'));
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const reads = new ClaimReads(flaky);
    await expect(reads.account(accountId)).rejects.toThrow('connection reset');
    expect((await reads.account(accountId))?.id).toBe(accountId);
  });

  it('a later claim sees a change made after an earlier claim read', async () => {
    const first = new ClaimReads(counted);
    expect((await first.findTemplate(accountId, 'sms', 'fr'))).toBeNull();
    expect((await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'fr', body: 'Code {code} pour {app}' })).status).toBe(201);
    // The earlier claim keeps what it read; the next one reads the new template.
    expect(await first.findTemplate(accountId, 'sms', 'fr')).toBeNull();
    expect((await new ClaimReads(counted).findTemplate(accountId, 'sms', 'fr'))?.body).toBe('Code {code} pour {app}');
  });
});
