// Circuit breaker: after repeated transient failures a provider is skipped for a cooling-off period, then tried once again.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { CIRCUIT, Circuit } from '../src/delivery/circuit.js';
import { closeServer, listenLocal } from './helpers/provider.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

describe('Circuit', () => {
  it('opens after the threshold, stays open for openMs, then lets one trial through', () => {
    const clock = new ManualClock();
    const c = new Circuit(clock, 3, 1000);
    for (let i = 0; i < 2; i++) c.failure();
    expect(c.allow()).toBe(true);
    c.failure();
    expect(c.state).toBe('open');
    expect(c.allow()).toBe(false);
    clock.advance(1000);
    expect(c.state).toBe('half_open');
    expect(c.allow()).toBe(true);
    expect(c.allow()).toBe(false);
    c.failure();
    expect(c.state).toBe('open');
    clock.advance(1000);
    expect(c.allow()).toBe(true);
    c.success();
    expect(c.state).toBe('closed');
  });
});

describe('a failing provider is skipped while its circuit is open', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let twilio: Server;
  let vonage: Server;
  let twilioCalls = 0;
  let vonageCalls = 0;
  let twilioDown = true;

  beforeAll(async () => {
    twilio = createServer((req, res) => {
      req.resume().on('end', () => {
        twilioCalls++;
        if (twilioDown) res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":20503,"message":"unavailable","status":503}');
        else res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1","status":"queued"}');
      });
    });
    vonage = createServer((req, res) => {
      req.resume().on('end', () => {
        vonageCalls++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"message-count":"1","messages":[{"status":"0","message-id":"m1"}]}');
      });
    });
    s = await startServer({
      clock,
      env: {
        NODE_ENV: 'production',
        OTPD_SMS_PROVIDERS: 'twilio,vonage',
        OTPD_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        OTPD_TWILIO_AUTH_TOKEN: 'twilio-token',
        OTPD_TWILIO_FROM: '+15005550006',
        OTPD_TWILIO_BASE_URL: await listenLocal(twilio),
        OTPD_VONAGE_API_KEY: 'vkey',
        OTPD_VONAGE_API_SECRET: 'vsecret',
        OTPD_VONAGE_FROM: 'Acme',
        OTPD_VONAGE_BASE_URL: await listenLocal(vonage),
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await closeServer(twilio);
    await closeServer(vonage);
  });

  const sendOne = async (to: string) => {
    const c = await s.req('POST', '/v1/verifications', { to, channel: 'sms' });
    expect(c.status).toBe(201);
    return waitFor('the send to be sent', async () => {
      const g = await s.req('GET', `/v1/verifications/${c.body.id}`);
      return g.body.sends[0].status === 'sent' ? g.body.sends[0] : undefined;
    });
  };

  it('stops calling twilio after the threshold and tries it again after the cooling-off period', async () => {
    for (let i = 0; i < CIRCUIT.failureThreshold + 3; i++) expect((await sendOne(`+1415555098${i}`)).provider).toBe('vonage');
    expect(twilioCalls).toBe(CIRCUIT.failureThreshold);
    expect(vonageCalls).toBe(CIRCUIT.failureThreshold + 3);
    const metrics = (await s.req('GET', '/metrics', undefined, { key: null })).text;
    expect(metrics).toContain('otpd_provider_circuit_open{provider="twilio"} 1');

    twilioDown = false;
    clock.advance(CIRCUIT.openMs);
    const trial = await sendOne('+14155550990');
    expect(trial.provider).toBe('twilio');
    expect(twilioCalls).toBe(CIRCUIT.failureThreshold + 1);
  });
});
