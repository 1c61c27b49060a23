// The bench's live mode: its stand-in for Twilio hands each delivered code to the load client, and a run against a real otpd completes pairs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../bench/client.js';
import { codeIn, startSmsSink, type SmsSink } from '../bench/sms-sink.js';
import { twilioSmsEnv } from './helpers/provider.js';
import { startServer, type TestServer } from './helpers/server.js';

const MESSAGES = '/2010-04-01/Accounts/AC1/Messages.json';
const post = (sink: SmsSink, form: Record<string, string>, path = MESSAGES) =>
  fetch(`${sink.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

describe('bench sms sink', () => {
  it('finds the code in a message body, not the minutes', () => {
    expect(codeIn('Your Acme verification code is: 482913. It expires in 10 minutes.')).toBe('482913');
    expect(codeIn('Votre code Acme : 0042 (valable 10 minutes)')).toBe('0042');
    expect(codeIn('expires in 10 minutes')).toBeNull();
  });

  it('hands a code to whoever waits for its number, also when the message came first', async () => {
    const sink = await startSmsSink();
    try {
      const waiting = sink.codeFor('+14155550801');
      const res = await post(sink, { To: '+14155550801', Body: 'Your code is 123456' });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { sid: string }).sid).toMatch(/^SM\d{32}$/);
      expect(await waiting).toBe('123456');

      expect((await post(sink, { To: '+14155550802', Body: 'Your code is 654321' })).status).toBe(201);
      expect(await sink.codeFor('+14155550802')).toBe('654321');
      expect(sink.received()).toBe(2);

      // Not a message it can read: refused the way Twilio refuses, and not counted.
      expect((await post(sink, { To: '+14155550803', Body: 'no code here' })).status).toBe(400);
      expect((await post(sink, { To: '+14155550803', Body: 'code 111111' }, '/elsewhere')).status).toBe(400);
      expect(sink.received()).toBe(2);
    } finally {
      await sink.close();
    }
  });

  it('answers one message in slowEvery after slowMs, the rest at once', async () => {
    const sink = await startSmsSink({ ms: 0, slowMs: 300, slowEvery: 2 });
    try {
      const timed = async (to: string) => {
        const t0 = performance.now();
        await (await post(sink, { To: to, Body: 'code 222222' })).text();
        return performance.now() - t0;
      };
      await timed('+14155550804');
      // The second message is the slow one: it waited rather than being answered at once (a functional check).
      expect(await timed('+14155550805')).toBeGreaterThanOrEqual(250);
    } finally {
      await sink.close();
    }
  });
});

describe('bench live load against a real otpd', () => {
  let sink: SmsSink;
  let s: TestServer;

  beforeAll(async () => {
    sink = await startSmsSink();
    s = await startServer({
      env: {
        ...twilioSmsEnv(sink.url),
        // As the bench sets it: a load run outpaces the per-account create limits by design.
        OTPD_RATE_LIMITS: 'account_creates_per_second=0,account_creates_per_day=0',
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('completes create → delivered code → check pairs with a live key, and times the delivery', async () => {
    const r = await runLoad(s.url, s.liveKey, 4, 1, 0, 0, sink);
    expect(r.firstError).toBeUndefined();
    expect(r.errors).toBe(0);
    expect(r.pairs).toBeGreaterThan(0);
    expect(r.deliver?.p50).toBeGreaterThanOrEqual(0);
    // Every pair's code came through the provider: none from the create's answer.
    expect(sink.received()).toBeGreaterThanOrEqual(r.allPairs);
  });
});
