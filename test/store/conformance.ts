// The store contract's conformance suite: every backend runs these same cases against a real database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { VerificationRecord } from '../../src/core/types.js';
import { decideCheck } from '../../src/core/verification.js';
import type { Store } from '../../src/store/types.js';

const T0 = Date.UTC(2026, 0, 1);

export function storeConformance(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let accountId: string;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
      accountId = newId('acc', T0);
      await store.createAccount({ id: accountId, name: `acct-${accountId}`, appName: 'test', webhookUrl: null, webhookSecretSealed: null, createdAt: T0 });
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const record = (over: Partial<VerificationRecord> = {}): VerificationRecord => ({
      id: newId('ver', T0),
      accountId,
      to: '+14155550100',
      channel: 'sms',
      status: 'pending',
      codeHash: Buffer.alloc(32, 7),
      codeSealed: Buffer.from('sealed'),
      codeType: 'numeric',
      codeLength: 6,
      attempts: 0,
      maxAttempts: 5,
      sendCount: 1,
      maxSends: 3,
      lastSentAt: T0,
      createdAt: T0,
      updatedAt: T0,
      expiresAt: T0 + 600_000,
      locale: 'en',
      templateId: null,
      sender: null,
      reference: 'ref-1',
      metadata: { a: 'b' },
      sandbox: false,
      appName: null,
      message: null,
      payload: { nested: [1, 'two'] },
      ...over,
    });

    it('migrate is idempotent', async () => {
      await store.migrate();
      await store.migrate();
      await store.ping();
    });

    it('inserts a verification with its first send, and reads it back unchanged', async () => {
      const v = record();
      const res = await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      expect(res.kind).toBe('created');
      const got = await store.getVerification(accountId, v.id);
      expect(got).toEqual(v);
      const sends = await store.listSends(v.id);
      expect(sends).toHaveLength(1);
      expect(sends[0]).toMatchObject({ channel: 'sms', status: 'queued', verificationId: v.id });
      // The send the insert answers is the one stored, id included (SQLite builds it without reading it back).
      if (res.kind === 'created') expect(res.sends).toEqual(sends);
      expect(await store.getVerification('acc_other', v.id)).toBeNull();
    });

    it('finds a live pending verification for the recipient instead of inserting a second', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      const again = await store.insertVerification(record(), { channel: 'sms', status: 'queued' }, T0 + 1);
      expect(again.kind).toBe('pending_exists');
      if (again.kind === 'pending_exists') expect(again.record.id).toBe(v.id);
      // Once expired, a new one is created.
      const later = await store.insertVerification(record({ id: newId('ver', T0 + 700_000) }), { channel: 'sms', status: 'queued' }, T0 + 700_000);
      expect(later.kind).toBe('created');
    });

    it('creates arriving together: one verification per recipient, the others find it, every field stored as given', async () => {
      const first = record({ to: '+14155550300', metadata: null, payload: null, codeSealed: null, sandbox: true, templateId: 'tpl_1', appName: 'App', message: 'Code {code}' });
      await store.insertVerification(first, { channel: 'sms', status: 'queued' }, T0);
      const nulls = { metadata: null, payload: null, codeSealed: null, sandbox: true, templateId: 'tpl_2', sender: 'Acme', reference: null };
      const fresh = Array.from({ length: 8 }, (_, i) => record({ id: newId('ver', T0 + 1), to: `+1415555031${i}`, ...(i === 1 ? nulls : {}) }));
      const twins = [record({ id: newId('ver', T0 + 1), to: fresh[0]!.to }), record({ id: newId('ver', T0 + 1), to: first.to })];
      const all = [...fresh, ...twins];
      const res = await Promise.all(all.map((v, i) => store.insertVerification(v, { channel: i % 2 ? 'sms' : 'whatsapp', status: 'queued' }, T0 + 1)));
      expect(res.slice(0, 8).map((r) => r.kind)).toEqual(Array(8).fill('created'));
      const [dup, old] = res.slice(8);
      expect(dup?.kind === 'pending_exists' && dup.record.id).toBe(fresh[0]!.id);
      expect(old?.kind === 'pending_exists' && old.record).toEqual(first);
      for (const [i, v] of fresh.entries()) {
        expect(await store.getVerification(accountId, v.id)).toEqual(v);
        const r = res[i]!;
        expect(r.kind === 'created' && r.sends.map((x) => [x.verificationId, x.channel, x.status])).toEqual([[v.id, i % 2 ? 'sms' : 'whatsapp', 'queued']]);
        expect((await store.listSends(v.id)).map((x) => x.id)).toEqual(r.kind === 'created' ? r.sends.map((x) => x.id) : []);
      }
      expect(await store.getVerification(accountId, twins[0]!.id)).toBeNull();
    });

    it('replays an idempotency key within its lifetime', async () => {
      const v = record();
      const idem = { key: 'k1', requestHash: 'h1', expiresAt: T0 + 1000 };
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0, idem);
      const replay = await store.insertVerification(record({ to: '+14155550199' }), { channel: 'sms', status: 'queued' }, T0 + 10, idem);
      expect(replay).toEqual({ kind: 'idempotent_replay', verificationId: v.id, requestHash: 'h1' });
      expect(await store.purgeIdempotency(T0 + 2000, 100)).toBe(1);
    });

    it('counts attempts atomically: 50 parallel attempts count exactly max_attempts', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.attempt(accountId, v.id, T0 + 1, () => null)));
      expect(results.filter((r) => r.counted)).toHaveLength(5);
      expect((await store.getVerification(accountId, v.id))!.attempts).toBe(5);
    });

    it('does not count attempts on an expired, finished or foreign verification', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      expect((await store.attempt(accountId, v.id, v.expiresAt, () => null)).counted).toBe(false);
      expect((await store.attempt('acc_other', v.id, T0, () => null)).record).toBeNull();
      expect(await store.finish(v.id, 'canceled', T0)).toBe(true);
      const after = await store.attempt(accountId, v.id, T0, () => null);
      expect(after).toMatchObject({ counted: false, record: { status: 'canceled', codeSealed: null } });
    });

    it('applies the decided transition in the same transaction: of 20 parallel right answers one approves', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.attempt(accountId, v.id, T0 + 1, () => 'approved')));
      const approved = results.filter((r) => r.counted && r.transition === 'approved');
      expect(approved).toHaveLength(1);
      expect(approved[0]!.record).toMatchObject({ status: 'approved', codeSealed: null, attempts: 1 });
      expect(results.filter((r) => !r.counted && r.record?.status === 'approved')).toHaveLength(19);
    });

    it('closes a verification when the decided transition spends the last attempt', async () => {
      const v = record({ maxAttempts: 2 });
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      const decide = (r: VerificationRecord) => (r.attempts >= r.maxAttempts ? ('max_attempts_reached' as const) : null);
      expect(await store.attempt(accountId, v.id, T0, decide)).toMatchObject({ counted: true, transition: null });
      expect(await store.attempt(accountId, v.id, T0, decide)).toMatchObject({ counted: true, transition: 'max_attempts_reached' });
      expect((await store.getVerification(accountId, v.id))!.status).toBe('max_attempts_reached');
    });

    it('approves exactly once under parallel transitions', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      const wins = await Promise.all(Array.from({ length: 20 }, () => store.finish(v.id, 'approved', T0 + 1)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('records a send only past the cooldown and under the cap', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      expect((await store.recordSend(accountId, v.id, { channel: 'sms', status: 'queued' }, T0 + 10_000, 30_000)).sent).toBe(false);
      const ok = await store.recordSend(accountId, v.id, { channel: 'voice', status: 'queued' }, T0 + 30_000, 30_000);
      expect(ok.sent).toBe(true);
      if (ok.sent) {
        expect(ok.record.sendCount).toBe(2);
        expect(ok.sends.map((s) => s.channel)).toEqual(['sms', 'voice']);
      }
      expect((await store.recordSend(accountId, v.id, { channel: 'sms', status: 'queued' }, T0 + 60_000, 30_000)).sent).toBe(true);
      const capped = await store.recordSend(accountId, v.id, { channel: 'sms', status: 'queued' }, T0 + 90_000, 30_000);
      expect(capped).toMatchObject({ sent: false, record: { sendCount: 3 } });
    });

    it('finds the newest pending verification for a recipient, else the newest', async () => {
      const a = record({ id: newId('ver', T0) });
      await store.insertVerification(a, { channel: 'sms', status: 'queued' }, T0);
      await store.finish(a.id, 'approved', T0);
      const b = record({ id: newId('ver', T0 + 5) });
      await store.insertVerification(b, { channel: 'sms', status: 'queued' }, T0 + 5);
      expect((await store.findLatestForRecipient(accountId, a.to))!.id).toBe(b.id);
      await store.finish(b.id, 'canceled', T0 + 6);
      expect((await store.findLatestForRecipient(accountId, a.to))!.id).toBe(b.id);
      expect(await store.findLatestForRecipient(accountId, '+10000000000')).toBeNull();
    });

    it('leases queued sends to one claimer and hands them over after the lease', async () => {
      for (let i = 0; i < 3; i++) {
        await store.insertVerification(record({ id: newId('ver', T0 + i), to: `+1415555010${i}` }), { channel: 'sms', status: 'queued' }, T0);
      }
      await store.insertVerification(record({ id: newId('ver', T0 + 9), to: '+14155550109' }), { channel: 'sms', status: 'sandbox' }, T0);
      const [first, second] = await Promise.all([store.claimDeliveries(T0, 1000, 2), store.claimDeliveries(T0, 1000, 2)]);
      const ids = [...first!, ...second!].map((j) => j.send.id);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      expect(await store.claimDeliveries(T0 + 500, 1000, 10)).toHaveLength(0);
      const retaken = await store.claimDeliveries(T0 + 1000, 1000, 10);
      expect(retaken).toHaveLength(3);
      expect(retaken[0]!.send.attempts).toBe(2);
      await store.updateSend(retaken[0]!.send.id, 'sent', T0 + 1001, { provider: 'console' });
      await store.updateSend(retaken[1]!.send.id, 'queued', T0 + 1001, { error: 'timeout', retryAt: T0 + 5000 });
      const due = await store.claimDeliveries(T0 + 2000 + 1000, 1000, 10);
      expect(due.map((j) => j.send.id)).toEqual([retaken[2]!.send.id]);
      const sends = await store.listSends(retaken[0]!.verification.id);
      expect(sends[0]).toMatchObject({ status: 'sent', provider: 'console' });
    });

    it('records many delivery outcomes made at once, each on its own send (one batch on PostgreSQL)', async () => {
      for (let i = 0; i < 5; i++) {
        await store.insertVerification(record({ id: newId('ver', T0 + 20 + i), to: `+1415555030${i}` }), { channel: 'sms', status: 'queued' }, T0);
      }
      const jobs = await store.claimDeliveries(T0, 1000, 10);
      expect(jobs).toHaveLength(5);
      const outcome = (i: number) =>
        i % 2 === 0 ? { status: 'sent' as const, opts: { provider: `p${i}`, error: i === 4 ? 'twilio: HTTP 500; o’brien “quoted” \\ back' : null } } : { status: 'queued' as const, opts: { error: `timeout ${i}`, retryAt: T0 + 9000 + i } };
      // Same turn: PostgreSQL answers them with one statement.
      await Promise.all(jobs.map((j, i) => store.updateSend(j.send.id, outcome(i).status, T0 + 100 + i, outcome(i).opts)));
      for (const [i, j] of jobs.entries()) {
        const [send] = await store.listSends(j.verification.id);
        const o = outcome(i);
        expect(send).toMatchObject({ status: o.status, error: o.opts.error ?? null });
        if (o.status === 'sent') expect(send!.provider).toBe(`p${i}`);
        else expect(send!.provider).toBeNull();
      }
      // The retried ones are due again at their own times, and not before.
      expect(await store.claimDeliveries(T0 + 9000, 1000, 10)).toHaveLength(0);
      expect((await store.claimDeliveries(T0 + 9003, 1000, 10)).map((j) => j.send.id).sort()).toEqual([jobs[1]!.send.id, jobs[3]!.send.id].sort());
      // One send updated twice in a turn: the updates land in call order.
      const twice = jobs[1]!;
      await Promise.all([store.updateSend(twice.send.id, 'queued', T0 + 9100, { error: 'first' }), store.updateSend(twice.send.id, 'sent', T0 + 9101, { provider: 'last' })]);
      expect((await store.listSends(twice.verification.id))[0]).toMatchObject({ status: 'sent', provider: 'last', error: null });
      // A later update that names no provider keeps the one named before it.
      await Promise.all([store.updateSend(twice.send.id, 'sent', T0 + 9200, { provider: 'early' }), store.updateSend(twice.send.id, 'queued', T0 + 9201, { error: 'again', retryAt: T0 + 9999 })]);
      expect((await store.listSends(twice.verification.id))[0]).toMatchObject({ status: 'queued', provider: 'early', error: 'again' });
      // A provider's text cut mid-character, or carrying a NUL, is still recorded, alone or in a batch.
      const cut = 'twilio: refused \ud83d';
      await Promise.all([store.updateSend(jobs[0]!.send.id, 'sent', T0 + 9300, { provider: 'x', error: cut }), store.updateSend(jobs[2]!.send.id, 'sent', T0 + 9300, { provider: 'y', error: 'nul\u0000here' })]);
      await store.updateSend(jobs[4]!.send.id, 'sent', T0 + 9301, { provider: 'z', error: cut });
      for (const [j, p] of [[jobs[0]!, 'x'], [jobs[2]!, 'y'], [jobs[4]!, 'z']] as const) {
        const [send] = await store.listSends(j.verification.id);
        expect(send).toMatchObject({ status: 'sent', provider: p });
        expect(send!.error).toMatch(/^(twilio: refused |nul)/);
      }
    });

    it('purges verifications that expired before the cutoff, with their sends, in bounded batches', async () => {
      const doomed: string[] = [];
      for (let i = 0; i < 3; i++) {
        const v = record({ id: newId('ver', T0 + i), to: `+1415555020${i}` });
        doomed.push(v.id);
        await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      }
      const keep = record({ id: newId('ver', T0 + 10), to: '+14155550209', expiresAt: T0 + 10_000_000 });
      await store.insertVerification(keep, { channel: 'sms', status: 'queued' }, T0);
      const cutoff = T0 + 600_001;
      expect(await store.purgeVerifications(cutoff, 2)).toBe(2);
      expect(await store.purgeVerifications(cutoff, 2)).toBe(1);
      expect(await store.purgeVerifications(cutoff, 2)).toBe(0);
      expect(await store.getVerification(accountId, keep.id)).not.toBeNull();
      expect(await store.listSends(keep.id)).toHaveLength(1);
      for (const id of doomed) expect(await store.listSends(id)).toHaveLength(0);
      // Only the kept verification's send is left in the outbox.
      const due = await store.claimDeliveries(T0, 1000, 10);
      expect(due.map((j) => j.verification.id)).toEqual([keep.id]);
    });

    it('records a delivery receipt only for a send that was sent', async () => {
      const v = record();
      await store.insertVerification(v, { channel: 'sms', status: 'queued' }, T0);
      const [job] = await store.claimDeliveries(T0, 1000, 10);
      expect(await store.recordReceipt(job!.send.id, 'delivered', T0 + 1, null)).toBeNull();
      await store.updateSend(job!.send.id, 'sent', T0 + 2, { provider: 'smpp' });
      expect(await store.recordReceipt(job!.send.id, 'delivered', T0 + 3, null)).toMatchObject({ send: { id: job!.send.id, status: 'delivered' }, verification: { id: v.id } });
      expect(await store.recordReceipt(job!.send.id, 'undeliverable', T0 + 4, 'late')).toBeNull();
      expect((await store.listSends(v.id))[0]).toMatchObject({ status: 'delivered', provider: 'smpp' });
    });

    it('stores templates per account', async () => {
      const t = { id: '6f1d1e3a-0000-4000-8000-000000000001', accountId, channel: 'sms' as const, locale: 'es', body: 'Código {code}', createdAt: T0 };
      await store.createTemplate(t);
      expect(await store.getTemplate(accountId, t.id)).toEqual(t);
      expect(await store.getTemplate('acc_other', t.id)).toBeNull();
      expect(await store.findTemplate(accountId, 'sms', 'es')).toEqual(t);
      expect(await store.listTemplates(accountId)).toEqual([t]);
      expect(await store.deleteTemplate(accountId, t.id)).toBe(true);
      expect(await store.deleteTemplate(accountId, t.id)).toBe(false);
    });

    it('keeps API keys hashed, finds live ones and revokes', async () => {
      const k = {
        id: newId('key', T0), accountId, keyHash: Buffer.alloc(32, 1), prefix: 'otpd_live_abcd', sandbox: true, createdAt: T0, revokedAt: null,
        scopes: ['verifications' as const, 'risk_override' as const], lastUsedAt: null,
      };
      await store.createApiKey(k);
      expect(await store.findApiKeyByHash(k.keyHash)).toEqual(k);
      await store.touchApiKey(k.id, T0 + 60_000);
      await store.touchApiKey(k.id, T0 + 1);
      expect((await store.findApiKeyByHash(k.keyHash))?.lastUsedAt).toBe(T0 + 60_000);
      expect(await store.countApiKeys(accountId)).toBe(1);
      expect(await store.revokeApiKey(k.id, T0 + 1)).toBe(true);
      expect(await store.revokeApiKey(k.id, T0 + 2)).toBe(false);
      expect(await store.findApiKeyByHash(k.keyHash)).toBeNull();
    });

    it('rotates signing keys: current, previous, then retired', async () => {
      const key = (kid: string, at: number) => ({ kid, alg: 'ES256', publicJwk: '{}', privateSealed: Buffer.from(kid), createdAt: at, state: 'current' as const });
      await store.rotateSigningKey(key('a', T0));
      await store.rotateSigningKey(key('b', T0 + 1));
      await store.rotateSigningKey(key('c', T0 + 2));
      const keys = await store.listSigningKeys();
      expect(keys.map((k) => [k.kid, k.state])).toEqual([
        ['c', 'current'],
        ['b', 'previous'],
      ]);
    });

    it('stores dialect credentials: found by dialect and lookup while live, gone once revoked', async () => {
      const c = {
        id: newId('cred', T0), accountId, dialect: 'twilio', lookup: 'AC123', secretHash: Buffer.alloc(32, 1), secretSealed: null,
        extra: { note: 'x' }, sandbox: true, createdAt: T0, revokedAt: null,
      };
      await store.dialects.createCredential(c);
      expect(await store.dialects.findCredential('twilio', 'AC123')).toEqual(c);
      expect(await store.dialects.findCredential('d7', 'AC123')).toBeNull();
      await expect(store.dialects.createCredential({ ...c, id: newId('cred', T0) })).rejects.toThrow();
      expect((await store.dialects.listCredentials(accountId)).map((x) => x.id)).toEqual([c.id]);
      expect(await store.dialects.revokeCredential(c.id, T0 + 1)).toBe(true);
      expect(await store.dialects.revokeCredential(c.id, T0 + 2)).toBe(false);
      expect(await store.dialects.findCredential('twilio', 'AC123')).toBeNull();
    });

    it('keeps dialect state: insert-if-absent refuses a live duplicate, replaces a dead one, take spends once', async () => {
      const e = { dialect: 'snap', accountId, kind: 'external-id', key: 'X1', value: 'v1', expiresAt: T0 + 1000 };
      expect(await store.dialects.putStateIfAbsent(e, T0)).toBe(true);
      const racers = await Promise.all([1, 2, 3].map((i) => store.dialects.putStateIfAbsent({ ...e, value: `v${i + 1}` }, T0 + 10)));
      expect(racers).toEqual([false, false, false]);
      expect((await store.dialects.getState('snap', accountId, 'external-id', 'X1', T0 + 10))?.value).toBe('v1');
      // Dead at T0 + 1000: invisible, and replaceable.
      expect(await store.dialects.getState('snap', accountId, 'external-id', 'X1', T0 + 1000)).toBeNull();
      expect(await store.dialects.putStateIfAbsent({ ...e, value: 'v9', expiresAt: T0 + 5000 }, T0 + 1000)).toBe(true);
      expect((await store.dialects.getState('snap', accountId, 'external-id', 'X1', T0 + 1001))?.value).toBe('v9');
      // Another account's entry under the same key is separate.
      expect(await store.dialects.getState('snap', 'acc_other', 'external-id', 'X1', T0 + 1001)).toBeNull();
      await store.dialects.putState({ ...e, kind: 'service', key: 'VA1', value: '{"n":1}', expiresAt: null });
      await store.dialects.putState({ ...e, kind: 'service', key: 'VA1', value: '{"n":2}', expiresAt: null });
      expect((await store.dialects.getState('snap', accountId, 'service', 'VA1', T0 + 10 ** 12))?.value).toBe('{"n":2}');
      const taken = await Promise.all([1, 2].map(() => store.dialects.takeState('snap', accountId, 'external-id', 'X1', T0 + 1001)));
      expect(taken.filter(Boolean)).toHaveLength(1);
      await store.dialects.putState({ ...e, key: 'old', expiresAt: T0 });
      expect(await store.dialects.purgeState(T0 + 10_000, 100)).toBe(1);
      expect(await store.dialects.getState('snap', accountId, 'service', 'VA1', T0)).not.toBeNull();
    });

    it('queues webhook events per subscription, leases each to one claimer, settles, and drops them with the subscription', async () => {
      const sub = (id: string) => ({ id, accountId, url: 'http://127.0.0.1:1/h', events: ['verification.created'], secretSealed: Buffer.from('s'), createdAt: T0 });
      await store.webhooks.createSubscription(sub('whk_a'));
      await store.webhooks.createSubscription(sub('whk_b'));
      expect((await store.webhooks.listSubscriptions(accountId)).map((x) => x.id)).toEqual(['whk_a', 'whk_b']);
      expect(await store.webhooks.getSubscription('acc_other', 'whk_a')).toBeNull();
      await store.webhooks.enqueue({ eventId: 'evt_1', type: 'verification.created', body: '{"a":1}' }, ['whk_a', 'whk_b'], T0);
      const [c1, c2] = await Promise.all([store.webhooks.claim(T0, 30_000, 10), store.webhooks.claim(T0, 30_000, 10)]);
      const claimed = [...c1!, ...c2!];
      expect(claimed.map((j) => j.subscription.id).sort()).toEqual(['whk_a', 'whk_b']);
      expect(claimed[0]!.delivery).toMatchObject({ eventId: 'evt_1', body: '{"a":1}', attempts: 1, status: 'queued' });
      expect(await store.webhooks.claim(T0 + 1, 30_000, 10)).toEqual([]);
      const a = claimed.find((j) => j.subscription.id === 'whk_a')!.delivery;
      const b = claimed.find((j) => j.subscription.id === 'whk_b')!.delivery;
      await store.webhooks.settle(a.id, 'delivered', T0 + 2, {});
      await store.webhooks.settle(b.id, 'queued', T0 + 2, { error: 'HTTP 500', retryAt: T0 + 5000 });
      expect(await store.webhooks.claim(T0 + 10, 30_000, 10)).toEqual([]);
      expect((await store.webhooks.claim(T0 + 5000, 30_000, 10)).map((j) => j.delivery.attempts)).toEqual([2]);
      expect((await store.webhooks.listDeliveries('whk_b', 10))[0]).toMatchObject({ lastError: 'HTTP 500', attempts: 2 });
      expect(await store.webhooks.deleteSubscription(accountId, 'whk_b')).toBe(true);
      expect(await store.webhooks.deleteSubscription(accountId, 'whk_b')).toBe(false);
      expect(await store.webhooks.claim(T0 + 10 ** 6, 30_000, 10)).toEqual([]);
      expect(await store.webhooks.purgeDeliveries(T0 + 3, 10)).toBe(1);
    });

    it('expires lapsed pending verifications exactly once, however many sweep at once', async () => {
      const live = record({ id: newId('ver', T0), to: '+14155550111', expiresAt: T0 + 10 ** 9 });
      const lapsed = record({ id: newId('ver', T0), to: '+14155550112', expiresAt: T0 + 100 });
      const approved = record({ id: newId('ver', T0), to: '+14155550113', expiresAt: T0 + 100, status: 'approved' });
      for (const v of [live, lapsed, approved]) await store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0);
      const swept = await Promise.all([1, 2, 3].map(() => store.webhooks.expireDue(T0 + 200, 10)));
      expect(swept.flat().map((v) => [v.id, v.status, v.codeSealed])).toEqual([[lapsed.id, 'expired', null]]);
      expect((await store.getVerification(accountId, live.id))?.status).toBe('pending');
    });

    it('guard counters: bumps and peeks in one call, concurrent hits all land, refunds, window sums, prefix blocks', async () => {
      const h = (key: string, add = 1, w = T0) => ({ key, windowStart: w, expiresAt: T0 + 3_600_000, add });
      expect(await store.guard.hit([h('a'), h('b', 0)])).toEqual([1, 0]);
      expect(await store.guard.hit([h('b'), h('a')])).toEqual([1, 2]);
      const many = await Promise.all(Array.from({ length: 20 }, () => store.guard.hit([h('c')])));
      expect(many.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await store.guard.hit([h('c', -1)])).toEqual([19]);
      // Calls of one turn may go to the store together: each still sees its own step of a shared counter.
      const mixed = await Promise.all(Array.from({ length: 10 }, (_, i) => store.guard.hit(i === 5 ? [h('d', 0), h('c', -1)] : [h(`own${i}`), h('d')])));
      expect(mixed.filter((_, i) => i !== 5).map(([own]) => own)).toEqual(Array(9).fill(1));
      expect(mixed.filter((_, i) => i !== 5).map(([, d]) => d)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(mixed[5]).toEqual([5, 18]);
      expect(await store.guard.hit([h('d', 0), h('c', 0)])).toEqual([9, 18]);
      await store.guard.hit([h('s', 1, T0 - 7_200_000), h('s', 2, T0 - 3_600_000)]);
      expect(await store.guard.sumWindows('s', T0 - 86_400_000, T0)).toBe(3);
      // A span sums a key's windows, after the adds: of its own call, and of the calls before it in a turn.
      const span = (key: string, from: number, w = T0) => ({ key, windowStart: w, expiresAt: 0, add: 0, from });
      expect(await store.guard.hit([h('s', 4), span('s', T0 - 3_600_000), span('s', T0)])).toEqual([4, 6, 4]);
      const turn = await Promise.all([
        store.guard.hit([h('s', 1, T0 - 3_600_000), span('s', T0 - 7_200_000)]),
        store.guard.hit([h('s'), span('s', T0 - 3_600_000)]),
        store.guard.hit([span('s', T0 - 7_200_000), span('none', T0 - 7_200_000)]),
      ]);
      expect(turn).toEqual([[3, 8], [5, 8], [9, 0]]);
      // Peeks at earlier windows of a key read their own window only, beside a span over all of them.
      expect(await store.guard.hit([h('s', 0, T0 - 7_200_000), span('s', T0 - 7_200_000), h('s', 0, T0 - 3_600_000)])).toEqual([1, 9, 3]);
      // A span writes nothing: the key that was only summed has no row.
      expect(await store.guard.sumWindows('none', 0, T0 + 1)).toBe(0);
      expect(await store.guard.purgeCounters(T0 + 3_600_000, 100)).toBeGreaterThanOrEqual(3);

      const block = { accountId, prefix: '+33612', until: T0 + 1000, reason: 'spike', createdAt: T0 };
      expect(await store.guard.blockPrefix(block)).toBe(true);
      expect(await store.guard.blockPrefix({ ...block, until: T0 + 500 })).toBe(false);
      expect((await store.guard.prefixBlock(accountId, '+33612', T0 + 999))?.until).toBe(T0 + 1000);
      expect(await store.guard.prefixBlock(accountId, '+33612', T0 + 1000)).toBeNull();
      expect((await store.guard.listPrefixBlocks(T0)).map((b) => b.prefix)).toEqual(['+33612']);
      expect(await store.guard.unblockPrefix('+33612')).toBe(1);
      expect(await store.guard.listPrefixBlocks(T0)).toEqual([]);
    });

    it('a check with its candidate hash decides as decideCheck does, under races too', async () => {
      const right = { codeHash: Buffer.alloc(32, 7) };
      const wrong = { codeHash: Buffer.alloc(32, 8) };
      const decideWith = (c: { codeHash: Buffer }) => (r: VerificationRecord) => decideCheck(r, c.codeHash.equals(r.codeHash));
      const a = record({ id: newId('ver', T0), to: '+14155550121' });
      await store.insertVerification(a, { channel: 'sms', status: 'sandbox' }, T0);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.attempt(accountId, a.id, T0 + 1, decideWith(right), right)));
      expect(results.filter((r) => r.counted && r.transition === 'approved')).toHaveLength(1);
      expect(results.filter((r) => !r.counted && r.record?.status === 'approved')).toHaveLength(19);
      expect((await store.getVerification(accountId, a.id))?.codeSealed).toBeNull();

      const b = record({ id: newId('ver', T0), to: '+14155550122' });
      await store.insertVerification(b, { channel: 'sms', status: 'sandbox' }, T0);
      const wrongs = [];
      for (let i = 0; i < 6; i++) wrongs.push(await store.attempt(accountId, b.id, T0 + 1, decideWith(wrong), wrong));
      expect(wrongs.map((r) => (r.counted ? (r.transition ?? 'counted') : 'refused'))).toEqual(['counted', 'counted', 'counted', 'counted', 'max_attempts_reached', 'refused']);
      expect(await store.attempt(accountId, b.id, T0 + 1, decideWith(right), right)).toMatchObject({ counted: false, record: { status: 'max_attempts_reached' } });

      // The right code on the last attempt still approves.
      const c = record({ id: newId('ver', T0), to: '+14155550123' });
      await store.insertVerification(c, { channel: 'sms', status: 'sandbox' }, T0);
      for (let i = 0; i < 4; i++) expect(await store.attempt(accountId, c.id, T0 + 1, decideWith(wrong), wrong)).toMatchObject({ counted: true, transition: null });
      expect(await store.attempt(accountId, c.id, T0 + 1, decideWith(right), right)).toMatchObject({ counted: true, transition: 'approved', record: { attempts: 5, codeSealed: null } });
    });

    it("a check's answer carries no code material, however it was decided; the stored row keeps it", async () => {
      const wrong = { codeHash: Buffer.alloc(32, 8) };
      const decideWith = (c: { codeHash: Buffer }) => (r: VerificationRecord) => decideCheck(r, c.codeHash.equals(r.codeHash));
      const [a, b, closed] = ['+14155550141', '+14155550142', '+14155550143'].map((to) => record({ id: newId('ver', T0), to }));
      for (const v of [a!, b!, closed!]) await store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0);
      await store.finish(closed!.id, 'canceled', T0);
      const noCode = (r: { record: VerificationRecord | null }) => [r.record?.status, r.record?.codeHash.length, r.record?.codeSealed];
      // One alone, two in one turn (PostgreSQL batches them), a closed one (not counted), and the `decide` path.
      expect(noCode(await store.attempt(accountId, a!.id, T0 + 1, decideWith(wrong), wrong))).toEqual(['pending', 0, null]);
      const together = await Promise.all([a!, b!].map((v) => store.attempt(accountId, v.id, T0 + 1, decideWith(wrong), wrong)));
      expect(together.map(noCode)).toEqual([['pending', 0, null], ['pending', 0, null]]);
      expect(noCode(await store.attempt(accountId, closed!.id, T0 + 1, decideWith(wrong), wrong))).toEqual(['canceled', 0, null]);
      expect(noCode(await store.attempt(accountId, b!.id, T0 + 1, decideWith(wrong)))).toEqual(['pending', 0, null]);
      const stored = await store.getVerification(accountId, a!.id);
      expect([stored?.attempts, stored?.codeHash, stored?.codeSealed]).toEqual([2, Buffer.alloc(32, 7), Buffer.from('sealed')]);
    });

    it('checks of several verifications arriving together are each counted and decided on their own', async () => {
      const right = { codeHash: Buffer.alloc(32, 7) };
      const wrong = { codeHash: Buffer.alloc(32, 8) };
      const decideWith = (c: { codeHash: Buffer }) => (r: VerificationRecord) => decideCheck(r, c.codeHash.equals(r.codeHash));
      const [a, b, c, d] = ['+14155550131', '+14155550132', '+14155550133', '+14155550134'].map((to) => record({ id: newId('ver', T0), to }));
      for (const v of [a!, b!, c!, d!]) await store.insertVerification(v, { channel: 'sms', status: 'sandbox' }, T0);
      expect(await store.finish(d!.id, 'approved', T0)).toBe(true);
      // One turn: a right code, two wrong ones for b, six wrong ones for c (one past its cap), a check of a closed one.
      const check = (v: VerificationRecord, cand: { codeHash: Buffer }) => store.attempt(accountId, v.id, T0 + 1, decideWith(cand), cand);
      const [ra, ...rest] = await Promise.all([check(a!, right), check(b!, wrong), check(b!, wrong), ...Array.from({ length: 6 }, () => check(c!, wrong)), check(d!, right)]);
      const rb = rest.slice(0, 2);
      const rc = rest.slice(2, 8);
      const rd = rest[8]!;
      expect(ra).toMatchObject({ counted: true, transition: 'approved', record: { id: a!.id, status: 'approved', attempts: 1 } });
      expect(rb.map((r) => (r.counted ? r.transition : 'refused'))).toEqual([null, null]);
      expect((await store.getVerification(accountId, b!.id))).toMatchObject({ status: 'pending', attempts: 2 });
      expect(rc.filter((r) => r.counted)).toHaveLength(5);
      expect(rc.filter((r) => r.counted && r.transition === 'max_attempts_reached')).toHaveLength(1);
      expect(rc.filter((r) => !r.counted).map((r) => r.record?.status)).toEqual(['max_attempts_reached']);
      expect((await store.getVerification(accountId, c!.id))).toMatchObject({ status: 'max_attempts_reached', attempts: 5, codeSealed: null });
      expect(rd).toMatchObject({ counted: false, record: { id: d!.id, status: 'approved' } });
      // Another account's id is not found, even inside a batch.
      const [foreign] = await Promise.all([store.attempt('acc_other', b!.id, T0 + 1, decideWith(right), right), check(b!, wrong)]);
      expect(foreign).toMatchObject({ counted: false, record: null });
      expect((await store.getVerification(accountId, b!.id))?.attempts).toBe(3);
    });
  });
}
