// Failover through real HTTP SMS peers: the first provider answering 500 hands the send to the next, and the record shows both.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

/** A peer that records each request's form body and answers with `answer`. */
function peer(answer: (req: IncomingMessage, body: URLSearchParams) => [number, unknown]): Promise<{ server: Server; url: string; seen: URLSearchParams[] }> {
  const seen: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const body = new URLSearchParams(raw);
      seen.push(body);
      const [status, json] = answer(req, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

describe('sms failover across providers', () => {
  let s: TestServer;
  let twilio: Awaited<ReturnType<typeof peer>>;
  let vonage: Awaited<ReturnType<typeof peer>>;
  let twilioDown = true;

  beforeAll(async () => {
    twilio = await peer(() => (twilioDown ? [500, { code: 20500, message: 'Internal Server Error', status: 500 }] : [201, { sid: 'SM123', status: 'queued' }]));
    vonage = await peer((_req, body) => [200, { 'message-count': '1', messages: [{ to: body.get('to'), 'message-id': 'abc', status: '0' }] }]);
    s = await startServer({
      env: {
        NODE_ENV: 'production',
        OTPD_SMS_PROVIDERS: 'twilio,vonage',
        OTPD_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        OTPD_TWILIO_AUTH_TOKEN: 'twilio-token',
        OTPD_TWILIO_FROM: '+15005550006',
        OTPD_TWILIO_BASE_URL: twilio.url,
        OTPD_VONAGE_API_KEY: 'vkey',
        OTPD_VONAGE_API_SECRET: 'vsecret',
        OTPD_VONAGE_FROM: 'Acme',
        OTPD_VONAGE_BASE_URL: vonage.url,
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    for (const p of [twilio, vonage]) await new Promise((r) => p?.server.close(r));
  });

  it('delivers through vonage when twilio answers 500, and records both', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: '+14155550801', channel: 'sms' });
    expect(c.status).toBe(201);
    const sent = await waitFor('the send to be sent', async () => {
      const g = await s.req('GET', `/v1/verifications/${c.body.id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends[0]).toMatchObject({ channel: 'sms', provider: 'vonage', status: 'sent' });
    expect(sent.sends[0].error).toMatch(/^twilio: /);
    expect(twilio.seen).toHaveLength(1);
    expect(twilio.seen[0]!.get('To')).toBe('+14155550801');
    expect(vonage.seen).toHaveLength(1);
    expect(vonage.seen[0]!.get('to')).toBe('14155550801');
    // The failover is visible in the metrics, per provider.
    const metrics = (await s.req('GET', '/metrics', undefined, { key: null })).text;
    expect(metrics).toContain('otpd_provider_attempts_total{channel="sms",provider="twilio",result="transient_error"} 1');
    expect(metrics).toContain('otpd_provider_attempts_total{channel="sms",provider="vonage",result="sent"} 1');
    expect(metrics).toContain('otpd_delivery_failovers_total{channel="sms",provider="vonage"} 1');
    expect(metrics).toMatch(/otpd_delivery_seconds_count\{channel="sms",provider="vonage"\} 1/);
    expect(metrics).toContain('otpd_deliveries_total{channel="sms",status="sent"} 1');
    expect(metrics).toMatch(/otpd_provider_attempt_seconds_count\{channel="sms",provider="vonage"\} 1/);
    // The code that went out through vonage approves.
    const code = /\b(\d{6})\b/.exec(vonage.seen[0]!.get('text') ?? '')?.[1];
    const check = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code });
    expect(check.body).toMatchObject({ valid: true, reason: 'approved' });
  });

  it('uses the first provider when it is healthy', async () => {
    twilioDown = false;
    const c = await s.req('POST', '/v1/verifications', { to: '+14155550802', channel: 'sms' });
    const sent = await waitFor('the send to be sent', async () => {
      const g = await s.req('GET', `/v1/verifications/${c.body.id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends[0]).toMatchObject({ provider: 'twilio', status: 'sent' });
    expect(sent.sends[0].error).toBeUndefined();
  });

  it('refuses to start with half a provider configuration, and closes the database it had opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpd-refused-'));
    try {
      await expect(startServer({ dir, env: { OTPD_VONAGE_API_KEY: 'only-the-key' } })).rejects.toThrow(/vonage SMS needs OTPD_VONAGE_API_SECRET and OTPD_VONAGE_FROM/);
      // The store was opened and migrated before the setting was refused; SQLite removes its WAL when
      // the last connection closes, so a WAL left behind means a connection still open.
      expect(existsSync(join(dir, 'otpd.sqlite'))).toBe(true);
      expect(existsSync(join(dir, 'otpd.sqlite-wal'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
