// Voice and WhatsApp end to end: otpd places the call and sends the template through real HTTP peers, and the code approves.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenLocal } from './helpers/provider.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

interface Seen {
  path: string;
  body: string;
}

describe('voice and whatsapp channels', () => {
  let s: TestServer;
  let peer: Server;
  const seen: Seen[] = [];

  beforeAll(async () => {
    // One peer stands in for api.twilio.com and graph.facebook.com: they never share a path.
    peer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', body });
        if (req.url?.endsWith('/Calls.json')) return res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: 'CA1', status: 'queued' }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ wa_id: '14155550961' }], messages: [{ id: 'wamid.1' }] }));
      });
    });
    const url = await listenLocal(peer);
    s = await startServer({
      env: {
        NODE_ENV: 'production',
        OTPD_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        OTPD_TWILIO_AUTH_TOKEN: 'twilio-token',
        OTPD_TWILIO_VOICE_FROM: '+15005550006',
        OTPD_TWILIO_BASE_URL: url,
        OTPD_WHATSAPP_ACCESS_TOKEN: 'meta-token',
        OTPD_WHATSAPP_PHONE_NUMBER_ID: '1234567890',
        OTPD_WHATSAPP_TEMPLATE: 'otp_auth',
        OTPD_WHATSAPP_BASE_URL: url,
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await closeServer(peer);
  });

  it('calls with TwiML that reads the code digit by digit, twice', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: '+14155550960', channel: 'voice', locale: 'de' });
    expect(c.status).toBe(201);
    const call = await waitFor('the call', () => seen.find((x) => x.path.endsWith('/Calls.json')));
    const twiml = new URLSearchParams(call.body).get('Twiml') ?? '';
    const spoken = /(\d), (\d), (\d), (\d), (\d), (\d)/.exec(twiml);
    expect(spoken).not.toBeNull();
    const code = spoken!.slice(1).join('');
    expect(twiml.split(spoken![0]).length - 1).toBe(2);
    expect(twiml).toContain('de-DE');
    const check = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code });
    expect(check.body).toMatchObject({ valid: true });
  });

  it('sends the WhatsApp authentication template with the code', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: '+14155550961', channel: 'whatsapp' });
    expect(c.status).toBe(201);
    const msg = await waitFor('the template message', () => seen.find((x) => x.path === '/v21.0/1234567890/messages'));
    const body = JSON.parse(msg.body) as { to: string; template: { name: string; components: Array<{ parameters: Array<{ text: string }> }> } };
    expect(body.to).toBe('14155550961');
    expect(body.template.name).toBe('otp_auth');
    const code = body.template.components[0]!.parameters[0]!.text;
    const sent = await waitFor('send status sent', async () => {
      const g = await s.req('GET', `/v1/verifications/${c.body.id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends[0].provider).toBe('whatsapp-cloud');
    expect((await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code })).body).toMatchObject({ valid: true });
  });
});
