// Property: the Vonage provider sends what the SMS API expects (unicode when needed) and classifies its status codes correctly.
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gsm7Septets, isGsm7 } from '../src/channels/sms-http/gsm7.js';
import { VonageSmsProvider, type VonageSmsOptions } from '../src/channels/sms-http/vonage/vonage-sms-provider.js';
import { closeServer, failure, listenLocal, outboundMessage, unreachablePeerCases } from './helpers/provider.js';

const KEY = 'abcd1234';
const SECRET = 'vonage-secret-0123456789';
const FROM = 'Acme';
const TIMEOUT = 300;

const message = outboundMessage;

// ---- a stand-in for rest.nexmo.com that checks requests the way the SMS API does ----

type Part = { status: string; 'error-text'?: string };
type Answer = { http?: number; parts?: Part[]; raw?: string };

let peer: Server;
let base: string;
const seen: Array<Record<string, string>> = [];
let answer: (fields: Record<string, string>) => Answer = () => ({ http: 500, raw: '' });

/** The SMS API's documented answer: HTTP 200 with one entry per message part. */
function body(parts: Part[], to: string): string {
  return JSON.stringify({
    'message-count': String(parts.length),
    messages: parts.map((p) =>
      p.status === '0'
        ? { to, 'message-id': '0C000000217B7F02', status: '0', 'remaining-balance': '15.53590000', 'message-price': '0.03330000', network: '23410' }
        : { status: p.status, 'error-text': p['error-text'] },
    ),
  });
}

beforeAll(async () => {
  peer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/sms/json') return res.writeHead(404).end();
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        return res.writeHead(200, { 'content-type': 'application/json' }).end(body([{ status: '2', 'error-text': 'Missing api_key' }], ''));
      }
      const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      // Bad credentials are a status in a 200 answer, not an HTTP 401.
      if (fields.api_key !== KEY || fields.api_secret !== SECRET) {
        return res.writeHead(200, { 'content-type': 'application/json' }).end(body([{ status: '4', 'error-text': 'Bad Credentials' }], ''));
      }
      seen.push(fields);
      const a = answer(fields);
      res.writeHead(a.http ?? 200, { 'content-type': 'application/json' });
      res.end(a.raw ?? body(a.parts ?? [{ status: '0' }], fields.to ?? ''));
    });
  });
  base = await listenLocal(peer);
});
afterAll(() => closeServer(peer));
afterEach(() => {
  seen.length = 0;
});

const provider = (over: Partial<VonageSmsOptions> = {}) =>
  new VonageSmsProvider({ apiKey: KEY, apiSecret: SECRET, from: FROM, baseUrl: base, timeoutMs: TIMEOUT, ...over });


describe('gsm7', () => {
  it('accepts the basic set and the extension table', () => {
    expect(isGsm7('Your Acme code is 482913')).toBe(true);
    expect(isGsm7('Café £5 @ 10:00 — no')).toBe(false); // the em dash is not GSM-7
    expect(isGsm7('Prix: 5€ [promo] {x} ~ ^ | \\')).toBe(true);
    expect(isGsm7('ΔΦΓΛΩΠΨΣΘΞ ÆæßÉ ÄÖÑÜ§¿äöñüà ¡¤')).toBe(true);
    expect(isGsm7('line\nbreak\r')).toBe(true);
  });
  it('rejects anything outside it', () => {
    expect(isGsm7('आपका कोड 482913 है')).toBe(false);
    expect(isGsm7('您的验证码是 482913')).toBe(false);
    expect(isGsm7('code 482913 🙂')).toBe(false);
    expect(isGsm7('ç')).toBe(false); // only the capital Ç is in the basic set
    expect(isGsm7('\u001b')).toBe(false);
  });
  it('counts extension characters twice', () => {
    expect(gsm7Septets('abc')).toBe(3);
    expect(gsm7Septets('€[]')).toBe(6);
    expect(gsm7Septets('中')).toBeNull();
  });
});

describe('vonage sms provider', () => {
  it('is named vonage', () => {
    expect(provider().name).toBe('vonage');
  });

  it('posts api_key, api_secret, from, to (without +) and text as a form, and status 0 is sent', async () => {
    answer = () => ({ parts: [{ status: '0' }] });
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(seen).toEqual([{ api_key: KEY, api_secret: SECRET, from: FROM, to: '14155550123', text: 'Your Acme code is 482913' }]);
  });

  it.each([
    ['Hindi', 'आपका Acme कोड 482913 है'],
    ['Chinese', '您的 Acme 验证码是 482913'],
    ['an emoji', 'Your Acme code is 482913 🔐'],
  ])('sends type=unicode for %s text', async (_what, text) => {
    answer = () => ({ parts: [{ status: '0' }] });
    await expect(provider().deliver(message({ body: text }))).resolves.toEqual({ status: 'sent' });
    expect(seen[0]).toMatchObject({ type: 'unicode', text, to: '14155550123' });
  });

  it('leaves the type alone for GSM-7 text, extension characters included', async () => {
    answer = () => ({ parts: [{ status: '0' }] });
    await provider().deliver(message({ body: 'Votre code Acme: 482913 [5€]' }));
    expect(seen[0]!.type).toBeUndefined();
  });

  it('treats bad credentials (status 4 in a 200) as permanent', async () => {
    const e = await failure(provider({ apiSecret: 'wrong' }).deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('status 4');
    expect(e.message).not.toContain('wrong');
  });

  const permanent: Array<[string, string]> = [
    ['2', 'Missing to param'],
    ['3', 'Invalid to address'],
    ['6', 'The message was not accepted because of an unrecognized number prefix'],
    ['7', 'The number you are trying to send messages to is blacklisted'],
    ['8', 'Your account has been suspended'],
    ['9', 'Quota Exceeded - rejected'],
    ['11', 'This account is not provisioned for the SMS API'],
    ['12', 'Message too long'],
    ['15', 'Illegal Sender Address - rejected'],
    ['29', 'Non White-listed Destination - rejected'],
    ['33', 'Number de-activated'],
  ];
  it.each(permanent)('status %s is permanent', async (status, text) => {
    answer = () => ({ parts: [{ status, 'error-text': text }] });
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain(`status ${status}`);
  });

  it.each([
    ['1', 'Throughput Rate Exceeded - please wait [ 10 ] and retry'],
    ['5', 'Internal Error'],
    ['10', 'Too many existing binds'],
  ])('status %s is transient', async (status, text) => {
    answer = () => ({ parts: [{ status, 'error-text': text }] });
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(false);
  });

  it('a long text split into parts fails when any part fails', async () => {
    answer = () => ({ parts: [{ status: '0' }, { status: '1', 'error-text': 'Throughput Rate Exceeded' }] });
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(false);
    answer = () => ({ parts: [{ status: '0' }, { status: '0' }] });
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
  });

  it('HTTP 5xx in front of the API and a body without statuses are transient', async () => {
    answer = () => ({ http: 502, raw: '<html>Bad Gateway</html>' });
    expect((await failure(provider().deliver(message()))).permanent).toBe(false);
    answer = () => ({ raw: '{"message-count":"0","messages":[]}' });
    expect((await failure(provider().deliver(message()))).permanent).toBe(false);
  });

  it('never puts the code, the body or the secret into the error, even when Vonage echoes them', async () => {
    answer = (f) => ({ parts: [{ status: '3', 'error-text': `Invalid text: ${f.text} / ${f.api_secret}` }] });
    const e = await failure(provider().deliver(message()));
    expect(e.message).not.toContain('482913');
    expect(e.message).not.toContain('Your Acme code is');
    expect(e.message).not.toContain(SECRET);
  });

  unreachablePeerCases((baseUrl) => provider({ baseUrl }), TIMEOUT);
});
