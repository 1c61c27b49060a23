// Property: the Infobip provider sends what SMS API v2 expects and classifies accepted, rejected and refused requests correctly.
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfobipSmsProvider, type InfobipSmsOptions } from '../src/channels/sms-http/infobip/infobip-sms-provider.js';
import { closeServer, failure, jsonPeer, listenLocal, outboundMessage, unreachablePeerCases } from './helpers/provider.js';

const KEY = '0123456789abcdef0123456789abcdef-01234567-89ab-cdef-0123-456789abcdef';
const FROM = 'InfoSMS';
const TIMEOUT = 300;

const message = outboundMessage;

// ---- a stand-in for <account>.api.infobip.com that checks requests the way Infobip does ----

type Status = { groupId: number; groupName: string; id: number; name: string; description: string };
type Answer = { http: number; json?: unknown; raw?: string };

let peer: Server;
let base: string;
const seen: unknown[] = [];
let answer: (req: any) => Answer = () => ({ http: 500 });

const serviceException = (http: number, messageId: string, text: string): Answer => ({ http, json: { requestError: { serviceException: { messageId, text } } } });

const accepted = (status: Status) => (req: any): Answer => ({
  http: 200,
  json: { bulkId: '2034072219640523072', messages: [{ messageId: '2250be2d4219-3af1-78856-aabe-1362af1edfd2', status, to: req.messages[0].destinations[0].to }] },
});

const PENDING: Status = { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message sent to next instance' };

beforeAll(async () => {
  peer = jsonPeer((req, raw) => {
    const a = ((): Answer => {
      if (req.headers.authorization !== `App ${KEY}`) return serviceException(401, 'UNAUTHORIZED', 'Invalid login details');
      if (req.method !== 'POST' || req.url !== '/sms/2/text/advanced') return serviceException(404, 'NOT_FOUND', 'Requested URL not found: ' + req.url);
      if (!String(req.headers['content-type']).startsWith('application/json')) return serviceException(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return serviceException(400, 'BAD_REQUEST', 'Bad request');
      }
      seen.push(parsed);
      return answer(parsed);
    })();
    return { status: a.http, json: a.json, raw: a.raw };
  });
  base = await listenLocal(peer);
});
afterAll(() => closeServer(peer));
afterEach(() => {
  seen.length = 0;
});

const provider = (over: Partial<InfobipSmsOptions> = {}) => new InfobipSmsProvider({ apiKey: KEY, baseUrl: base, from: FROM, timeoutMs: TIMEOUT, ...over });


describe('infobip sms provider', () => {
  it('is named infobip', () => {
    expect(provider().name).toBe('infobip');
  });

  it('posts one message with destinations, from and text and an App key, and PENDING is sent', async () => {
    answer = accepted(PENDING);
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(seen).toEqual([{ messages: [{ destinations: [{ to: '14155550123' }], from: FROM, text: 'Your Acme code is 482913' }] }]);
  });

  it('sends non-GSM text as is', async () => {
    answer = accepted(PENDING);
    const text = '您的 Acme 验证码是 482913';
    await provider().deliver(message({ body: text }));
    expect(seen).toEqual([{ messages: [{ destinations: [{ to: '14155550123' }], from: FROM, text }] }]);
  });

  it.each([
    { groupId: 0, groupName: 'ACCEPTED', id: 0, name: 'MESSAGE_ACCEPTED', description: 'Message accepted' },
    { groupId: 3, groupName: 'DELIVERED', id: 5, name: 'DELIVERED_TO_HANDSET', description: 'Message delivered to handset' },
  ])('status group $groupName is sent', async (status) => {
    answer = accepted(status);
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
  });

  it('a REJECTED message is permanent', async () => {
    answer = accepted({ groupId: 5, groupName: 'REJECTED', id: 6, name: 'REJECTED_NETWORK', description: 'Network is forbidden' });
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('REJECTED_NETWORK');
  });

  it('a wrong API key (401) is permanent so failover moves on', async () => {
    answer = accepted(PENDING);
    const e = await failure(provider({ apiKey: 'wrong-key' }).deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('HTTP 401');
    expect(e.message).toContain('UNAUTHORIZED');
    expect(seen).toHaveLength(0);
  });

  it('a bad request (400) is permanent', async () => {
    answer = () => serviceException(400, 'BAD_REQUEST', 'Bad request');
    expect((await failure(provider().deliver(message()))).permanent).toBe(true);
  });

  it.each([
    [429, 'TOO_MANY_REQUESTS', 'Too many requests'],
    [500, 'GENERAL_ERROR', 'Something went wrong. Please contact support.'],
    [503, 'SERVICE_UNAVAILABLE', 'Service unavailable'],
  ])('HTTP %i is transient', async (http, id, text) => {
    answer = () => serviceException(http, id, text);
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(false);
  });

  it('a 200 without a message status is transient', async () => {
    answer = () => ({ http: 200, raw: 'not json' });
    expect((await failure(provider().deliver(message()))).permanent).toBe(false);
  });

  it('never puts the code or the body into the error, even when Infobip echoes them', async () => {
    answer = (req) => serviceException(400, 'BAD_REQUEST', `Invalid text: ${req.messages[0].text}`);
    const e = await failure(provider().deliver(message()));
    expect(e.message).not.toContain('482913');
    expect(e.message).not.toContain('Your Acme code is');
  });

  unreachablePeerCases((baseUrl) => provider({ baseUrl }), TIMEOUT);

  it('requires a base URL and accepts one without a scheme', () => {
    expect(() => provider({ baseUrl: '' })).toThrow(/baseUrl/);
    expect(() => provider({ baseUrl: 'abc123.api.infobip.com/' })).not.toThrow();
  });
});
