// success_url / failure_url: a real receiver on 127.0.0.1 gets D7's report POST when delivery succeeds or fails for good, with retries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d7Code, d7For, type D7Client } from './helpers/d7-client.js';
import { twilioSmsEnv } from './helpers/provider.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

interface Seen {
  path: string;
  contentType: string | undefined;
  body: any;
}

/** A postback receiver: records each POST and answers with `answer(n)` for the n-th request (0-based). */
function receiver(answer: (n: number) => number = () => 200): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const n = seen.length;
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // a form body (the SMS provider peer): kept as text
      }
      seen.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.writeHead(answer(n)).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

const closeServer = (srv?: Server) => new Promise((r) => (srv ? srv.close(r) : r(undefined)));

describe('D7 postbacks on delivery', () => {
  let s: TestServer;
  let d7: D7Client;
  let rx: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    // The 2nd request (index 1) fails once, so the retry test sees a repeat.
    rx = await receiver((n) => (n === 1 ? 500 : 200));
    s = await startServer();
    d7 = await d7For(s);
  });
  afterAll(async () => {
    await s?.close();
    await closeServer(rx?.server);
  });

  it('POSTs the report body to success_url once the code is handed to the provider', async () => {
    const sent = await d7.sendOtp({
      originator: 'SignOTP',
      recipient: '+971509755001',
      content: 'Code {}',
      success_url: `${rx.url}/callback-receiver-success?tag=a`,
      failure_url: `${rx.url}/callback-receiver-failed`,
    });
    await d7Code(s, sent.body.otp_id, 'Code {}');
    const hit = await waitFor('the success postback', () => rx.seen.find((x) => x.body?.otp_id === sent.body.otp_id));
    expect(hit.path).toBe('/callback-receiver-success?tag=a');
    expect(hit.contentType).toBe('application/json');
    expect(hit.body).toMatchObject({
      request_id: sent.body.otp_id,
      otp_id: sent.body.otp_id,
      recipient: '+971509755001',
      originator: 'SignOTP',
      channel: 'SMS',
      status: 'sent',
      resend_count: 0,
    });
    expect(hit.body.msg_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(rx.seen.filter((x) => x.path.startsWith('/callback-receiver-failed'))).toEqual([]);
  });

  it('retries with backoff when the receiver does not answer 2xx', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509755002', content: 'Code {}', success_url: `${rx.url}/ok` });
    const both = await waitFor('a retried postback', () => {
      const hits = rx.seen.filter((x) => x.body?.otp_id === sent.body.otp_id);
      return hits.length >= 2 ? hits : undefined;
    });
    expect(both[0]!.body).toEqual(both[1]!.body);
    // Index 1 of all requests was the refused one; the retry is the one after it.
    expect(rx.seen.indexOf(both[0]!)).toBe(1);
  });
});

describe('D7 postbacks on a failed delivery', () => {
  let s: TestServer;
  let d7: D7Client;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let sms: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    rx = await receiver();
    // An SMS provider that refuses every message for good (Twilio 21211, invalid To).
    sms = await receiver(() => 400);
    s = await startServer({ env: twilioSmsEnv(sms.url) });
    d7 = await d7For(s);
  });
  afterAll(async () => {
    await s?.close();
    await closeServer(rx?.server);
    await closeServer(sms?.server);
  });

  it('POSTs status "undelivered" to failure_url, none to success_url; the OTP is then FAILED', async () => {
    const sent = await d7.sendOtp({ recipient: '+971509755003', content: 'Code {}', success_url: `${rx.url}/success`, failure_url: `${rx.url}/failure` });
    expect(sent.status).toBe(200);
    const hit = await waitFor('the failure postback', () => rx.seen.find((x) => x.body?.otp_id === sent.body.otp_id));
    expect(hit.path).toBe('/failure');
    expect(hit.body).toMatchObject({ otp_id: sent.body.otp_id, recipient: '+971509755003', status: 'undelivered', channel: 'SMS' });
    expect(sms.seen.length).toBeGreaterThanOrEqual(1);
    expect(rx.seen.filter((x) => x.path === '/success')).toEqual([]);
    await waitFor('the OTP to be failed', async () => ((await d7.report(sent.body.otp_id)).body.status === 'FAILED' ? true : undefined));
    const check = await d7.verifyOtp(sent.body.otp_id, '123456');
    expect(check.status).toBe(400);
    expect(check.body.detail.code).toBe('INVALID_OTP_CODE');
  });
});
