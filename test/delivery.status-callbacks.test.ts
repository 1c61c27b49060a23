// Provider status callbacks: Twilio, Vonage and Infobip report a message's fate to a signed otpd URL; the send's status follows.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, jsonPeer, listenLocal } from './helpers/provider.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

const PUBLIC = 'https://otpd.example.com';
const ALL_EVENTS = ['verification.delivered', 'verification.delivery_failed'];

/** The callback URL a provider was handed, re-pointed from the public host to the test server. */
const local = (s: TestServer, callback: string) => s.url + callback.slice(PUBLIC.length);

describe('provider status callbacks', () => {
  let s: TestServer;
  let peers: Server[] = [];
  const seen: Record<string, Array<{ body: string; url: string }>> = { twilio: [], vonage: [], infobip: [] };
  const events: Array<{ type: string; data: Record<string, any> }> = [];

  beforeAll(async () => {
    const twilio = jsonPeer((req, body) => (seen['twilio']!.push({ body, url: req.url! }), { status: 201, json: { sid: 'SM1', status: 'queued' } }));
    const vonage = jsonPeer((req, body) => (seen['vonage']!.push({ body, url: req.url! }), { status: 200, json: { 'message-count': '1', messages: [{ status: '0', 'message-id': 'v1' }] } }));
    const infobip = jsonPeer((req, body) => (
      seen['infobip']!.push({ body, url: req.url! }), { status: 200, json: { messages: [{ messageId: 'i1', status: { groupName: 'PENDING', name: 'PENDING_ACCEPTED' } }] } }
    ));
    const hooks = jsonPeer((_req, body) => (events.push(JSON.parse(body)), { status: 204 }));
    peers = [twilio, vonage, infobip, hooks];
    const [t, v, i, h] = await Promise.all(peers.map(listenLocal));
    s = await startServer({
      env: {
        NODE_ENV: 'production',
        OTPD_PUBLIC_URL: PUBLIC,
        OTPD_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        OTPD_TWILIO_AUTH_TOKEN: 'twilio-token',
        OTPD_TWILIO_FROM: '+15005550006',
        OTPD_TWILIO_BASE_URL: t!,
        OTPD_VONAGE_API_KEY: 'vkey',
        OTPD_VONAGE_API_SECRET: 'vsecret',
        OTPD_VONAGE_FROM: 'Acme',
        OTPD_VONAGE_BASE_URL: v!,
        OTPD_INFOBIP_API_KEY: 'ikey',
        OTPD_INFOBIP_BASE_URL: i!,
        OTPD_INFOBIP_FROM: 'Acme',
      },
    });
    expect((await s.req('POST', '/v1/webhooks', { url: h, events: ALL_EVENTS })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    for (const p of peers) await closeServer(p);
  });

  /** Creates a verification whose SMS goes through `provider` (the others are switched off by order), waits until it is sent. */
  async function sentThrough(provider: 'twilio' | 'vonage' | 'infobip', to: string): Promise<{ id: string; callback: string }> {
    const ch = s.otpd.channels.registry;
    // Put `provider` first for this send: the registry keeps the failover order per channel.
    const list = ch.providers('sms');
    list.sort((a, b) => (a.name === provider ? -1 : b.name === provider ? 1 : 0));
    const before = seen[provider]!.length;
    const id = (await s.req('POST', '/v1/verifications', { to, channel: 'sms' })).body.id as string;
    await waitFor(`${provider} send`, async () => ((await s.req('GET', `/v1/verifications/${id}`)).body.sends[0].status === 'sent' ? true : undefined));
    const req = seen[provider]![before]!;
    const callback =
      provider === 'twilio'
        ? new URLSearchParams(req.body).get('StatusCallback')!
        : provider === 'vonage'
          ? new URLSearchParams(req.body).get('callback')!
          : JSON.parse(req.body).messages[0].notifyUrl;
    expect(callback.startsWith(`${PUBLIC}/callbacks/${provider}?m=msg_${id}_`)).toBe(true);
    return { id, callback };
  }

  const sendStatus = async (id: string) => (await s.req('GET', `/v1/verifications/${id}`)).body.sends[0];

  it('Twilio: MessageStatus=delivered marks the send delivered; intermediate states change nothing', async () => {
    const { id, callback } = await sentThrough('twilio', '+14155550901');
    const post = (form: Record<string, string>) =>
      fetch(local(s, callback), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    expect((await post({ MessageSid: 'SM1', MessageStatus: 'sent' })).status).toBe(200);
    expect((await sendStatus(id)).status).toBe('sent');
    expect((await post({ MessageSid: 'SM1', MessageStatus: 'delivered' })).status).toBe(200);
    expect((await sendStatus(id)).status).toBe('delivered');
  });

  it('Vonage: a failed delivery receipt makes the send undeliverable and the verification failed, with an event', async () => {
    const { id, callback } = await sentThrough('vonage', '+14155550902');
    const res = await fetch(`${local(s, callback)}&status=failed&err-code=6&messageId=v1`);
    expect(res.status).toBe(200);
    expect(await sendStatus(id)).toMatchObject({ status: 'undeliverable', error: 'vonage: failed, err-code 6' });
    expect((await s.req('GET', `/v1/verifications/${id}`)).body.status).toBe('failed');
    const failed = await waitFor('delivery_failed event', () => events.find((e) => e.type === 'verification.delivery_failed' && e.data['id'] === id));
    expect(failed.data['send']).toMatchObject({ provider: 'vonage', status: 'undeliverable' });
  });

  it('Infobip: a DELIVERED report marks the send delivered', async () => {
    const { id, callback } = await sentThrough('infobip', '+14155550903');
    const res = await fetch(local(s, callback), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ results: [{ messageId: 'i1', callbackData: `msg_${id}_1`, status: { groupName: 'DELIVERED', name: 'DELIVERED_TO_HANDSET' } }] }),
    });
    expect(res.status).toBe(200);
    expect((await sendStatus(id)).status).toBe('delivered');
  });

  it('refuses a callback whose tag was not issued by this otpd, and changes nothing', async () => {
    const { id, callback } = await sentThrough('twilio', '+14155550904');
    const forged = local(s, callback).replace(/t=[^&]+/, 't=AAAAAAAAAAAAAAAAAAAAAA');
    const res = await fetch(forged, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageStatus=delivered' });
    expect(res.status).toBe(401);
    const other = local(s, callback).replace(/m=msg_[^&]+/, `m=msg_${id}_999`);
    expect((await fetch(other, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageStatus=delivered' })).status).toBe(401);
    expect((await fetch(`${s.url}/callbacks/twilio`, { method: 'POST' })).status).toBe(400);
    expect((await sendStatus(id)).status).toBe('sent');
  });
});
