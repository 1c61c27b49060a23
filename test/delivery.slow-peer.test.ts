// A slow provider or webhook receiver holds only its own send: later codes and events go out while it still waits.
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenLocal, twilioSmsEnv } from './helpers/provider.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

/** A peer that answers at once, except the requests `hold` picks: those wait until the test releases them. */
function holdingPeer(hold: (body: string) => boolean, answer: (res: ServerResponse) => void) {
  const seen: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      seen.push(raw);
      if (hold(raw)) held.push(res);
      else answer(res);
    });
  });
  return { server, seen, held, release: () => held.splice(0).forEach(answer) };
}

const twilioAnswer = (res: ServerResponse) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: 'SM1', status: 'queued' }));

describe('a slow provider holds only its own send', () => {
  const SLOW = '+14155550701';
  const FAST = '+14155550702';
  let s: TestServer;
  const twilio = holdingPeer((body) => new URLSearchParams(body).get('To') === SLOW, twilioAnswer);

  beforeAll(async () => {
    const url = await listenLocal(twilio.server);
    s = await startServer({
      env: {
        ...twilioSmsEnv(url),
        // Far longer than the test: the held call must still be waiting when the next code goes out.
        OTPD_PROVIDER_TIMEOUT_MS: '60000',
      },
    });
  });
  afterAll(async () => {
    twilio.release();
    await s?.close();
    await closeServer(twilio.server);
  });

  const sendStatus = async (id: string) => (await s.req('GET', `/v1/verifications/${id}`)).body.sends[0].status as string;
  const reached = (to: string) => twilio.seen.some((b) => new URLSearchParams(b).get('To') === to) || undefined;

  it('delivers a later code while an earlier provider call is still unanswered, then finishes both', async () => {
    const slow = await s.req('POST', '/v1/verifications', { to: SLOW, channel: 'sms' });
    expect(slow.status).toBe(201);
    await waitFor('the slow call to reach the provider', () => reached(SLOW));

    const fast = await s.req('POST', '/v1/verifications', { to: FAST, channel: 'sms' });
    expect(fast.status).toBe(201);
    // Before the fix the worker claimed nothing new until its whole batch (the held call) was done.
    await waitFor('the later code to reach the provider while the first call is held', () => reached(FAST));
    await waitFor('the later send to be recorded as sent', async () => ((await sendStatus(fast.body.id)) === 'sent' ? true : undefined));
    expect(twilio.held).toHaveLength(1);
    expect(await sendStatus(slow.body.id)).toBe('queued');

    twilio.release();
    await waitFor('the held send to be recorded as sent', async () => ((await sendStatus(slow.body.id)) === 'sent' ? true : undefined));
    // Each code went out once.
    expect(twilio.seen.filter((b) => new URLSearchParams(b).get('To') === SLOW)).toHaveLength(1);
    expect(twilio.seen.filter((b) => new URLSearchParams(b).get('To') === FAST)).toHaveLength(1);
  });
});

describe('a slow webhook receiver holds only its own event', () => {
  let s: TestServer;
  let first = true;
  const receiver = holdingPeer(
    () => {
      const hold = first;
      first = false;
      return hold;
    },
    (res) => res.writeHead(204).end(),
  );

  beforeAll(async () => {
    const url = await listenLocal(receiver.server);
    s = await startServer({ env: { OTPD_WEBHOOK_TIMEOUT_MS: '60000' } });
    expect((await s.req('POST', '/v1/webhooks', { url: `${url}/hooks`, events: ['verification.created'] })).status).toBe(201);
  });
  afterAll(async () => {
    receiver.release();
    await s?.close();
    await closeServer(receiver.server);
  });

  const eventFor = (id: string) => receiver.seen.some((b) => (JSON.parse(b) as { data: { id: string } }).data.id === id) || undefined;

  it('sends a later event while an earlier POST is still unanswered, then settles both', async () => {
    const a = await s.req('POST', '/v1/verifications', { to: '+14155550711', channel: 'sms' }, { key: s.sandboxKey });
    await waitFor('the first event to reach the receiver', () => eventFor(a.body.id));
    const b = await s.req('POST', '/v1/verifications', { to: '+14155550712', channel: 'sms' }, { key: s.sandboxKey });
    await waitFor('the later event to reach the receiver while the first POST is held', () => eventFor(b.body.id));
    expect(receiver.held).toHaveLength(1);

    receiver.release();
    const sub = (await s.req('GET', '/v1/webhooks')).body.webhooks[0].id as string;
    const statuses = async () => ((await s.req('GET', `/v1/webhooks/${sub}/deliveries`)).body.deliveries as { status: string }[]).map((d) => d.status);
    await waitFor('both events settled as delivered', async () => ((await statuses()).filter((x) => x === 'delivered').length === 2 ? true : undefined));
    expect(receiver.seen).toHaveLength(2);
  });
});
