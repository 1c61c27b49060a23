// Per-account channel fallback: a send refused for good on one channel is sent once more on the fallback channel.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, jsonPeer, listenLocal } from './helpers/provider.js';
import { codeFromConsole, startServer, waitFor, type TestServer } from './helpers/server.js';

describe('channel fallback', () => {
  let s: TestServer;
  let hook: Server;

  beforeAll(async () => {
    s = await startServer();
    // The account's delivery webhook refuses every message for good (400).
    hook = jsonPeer(() => ({ status: 400, json: { error: 'no' } }));
    await s.otpd.accounts.setWebhook('default', await listenLocal(hook));
  });
  afterAll(async () => {
    await s.close();
    await closeServer(hook);
  });

  const view = async (id: string) => (await s.req('GET', `/v1/verifications/${id}`)).body;

  it('without a fallback the verification fails', async () => {
    const id = (await s.req('POST', '/v1/verifications', { to: '+14155551001', channel: 'webhook' })).body.id as string;
    await waitFor('failed', async () => ((await view(id)).status === 'failed' ? true : undefined));
    expect((await view(id)).sends).toMatchObject([{ channel: 'webhook', status: 'undeliverable' }]);
  });

  it('with webhook=sms the code goes out by sms and still checks', async () => {
    await s.otpd.accounts.setFallbacks('default', 'webhook=sms');
    const id = (await s.req('POST', '/v1/verifications', { to: '+14155551002', channel: 'webhook' })).body.id as string;
    const code = await codeFromConsole(s, id);
    const v = await waitFor('two sends', async () => {
      const b = await view(id);
      return b.sends.length === 2 && b.sends[1].status === 'sent' ? b : undefined;
    });
    expect(v.status).toBe('pending');
    expect(v.sends).toMatchObject([
      { channel: 'webhook', status: 'undeliverable' },
      { channel: 'sms', provider: 'console', status: 'sent' },
    ]);
    expect((await s.req('POST', `/v1/verifications/${id}/check`, { code })).body.valid).toBe(true);
  });

  it('refuses bad fallback specs and clears with none', async () => {
    await expect(s.otpd.accounts.setFallbacks('default', 'webhook=fax')).rejects.toThrow(/channels from/);
    await expect(s.otpd.accounts.setFallbacks('default', 'sms=sms')).rejects.toThrow(/itself/);
    expect((await s.otpd.accounts.setFallbacks('default', 'none')).channelFallback).toEqual({});
  });
});
