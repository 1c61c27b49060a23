// The legacy GetOTP flow end to end: POST /api/verify/, the hosted page (`link`), redirects, the callback and the status.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenLocal } from './helpers/provider.js';
import { startServer, waitFor, type TestServer } from './helpers/server.js';
import { call, getotpKeys, wrongCode, type GetOtpKeys, type Res } from './helpers/getotp-client.js';

let s: TestServer;
let base: string;
let keys: GetOtpKeys;
let receiver: Server;
let callbackUrl: string;
const callbacks: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  s = await startServer();
  base = `${s.url}/getotp`;
  keys = await getotpKeys(s);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      callbacks.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  callbackUrl = `${await listenLocal(receiver)}/payments/otp-callback/`;
});
afterAll(async () => {
  await s.close();
  await closeServer(receiver);
});

const URLS = { success_redirect_url: 'https://app.test/otp-complete/', fail_redirect_url: 'https://app.test/otp-fail/' };

async function start(form: Record<string, string>, creds: GetOtpKeys = keys): Promise<{ otpId: string; link: string; secret: string }> {
  const r = await call(base, 'POST', '/api/verify/', { basic: [creds.key, creds.token], form: { ...URLS, ...form } });
  expect(r.status, r.text).toBe(201);
  return { otpId: r.body.otp_id, link: r.body.link, secret: r.body.otp_secret };
}

const page = (link: string) => call(link, 'GET', '', { headers: { accept: 'text/html' } });
const post = (link: string, form: Record<string, string>) => call(link, 'POST', '', { form, headers: { accept: 'text/html' } });

/** The code the console delivered to `to` (the newest one). */
function codeSentTo(to: string): Promise<string> {
  return waitFor(`a delivery to ${to}`, () => {
    const line = s.consoleOut.text.split('\n').reverse().find((l) => l.includes(` to ${to} (`));
    return line ? / is (\d{4,10})\b/.exec(line)?.[1] : undefined;
  });
}

function expectRedirect(r: Res, to: string): void {
  expect(r.status, r.text).toBe(303);
  expect(r.headers.get('location')).toBe(to);
}

describe('hosted page, one channel', () => {
  it('sends on POST (never on GET), checks, redirects with otp_id, calls back once with the otp_secret', async () => {
    const phone = '+60123456701';
    const metadata = '{"order_id":"xfdu48sfdjsdf", "agent_id":2258}';
    const { otpId, link, secret } = await start({ channel: 'sms', phone_sms: phone, callback_url: callbackUrl, metadata });

    const shown = await page(link);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toContain('text/html');
    expect(shown.headers.get('x-frame-options')).toBe('DENY');
    expect(shown.text).toContain(phone);
    expect(shown.text).toContain('Send code');
    expect(s.consoleOut.text).not.toContain(` to ${phone} (`); // a link prefetcher sends nothing

    expectRedirect(await post(link, { action: 'send' }), './');
    const code = await codeSentTo(phone);
    expect((await page(link)).text).toContain('Enter your code');

    const wrong = await post(link, { action: 'check', code: wrongCode(code) });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('4 attempts left');

    expectRedirect(await post(link, { action: 'check', code }), `${URLS.success_redirect_url}?otp_id=${otpId}`);
    expect(callbacks.filter((c) => c['otp_id'] === otpId)).toEqual([
      { otp_id: otpId, otp_secret: secret, auth_status: 'verified', channels: ['sms'], email: '', phone_sms: phone, phone_voice: '', metadata },
    ]);

    const status = await call(base, 'GET', `/api/verify/${otpId}/`, { basic: [keys.key, keys.token] });
    expect(status.body.status).toEqual([{ channel: 'sms', auth_status: 'verified' }]);

    // Coming back to the link goes straight to the app, without a second callback.
    expectRedirect(await page(link), `${URLS.success_redirect_url}?otp_id=${otpId}`);
    expect(callbacks.filter((c) => c['otp_id'] === otpId)).toHaveLength(1);

    // Nothing secret reached the logs: not the credentials, not the otp_secret.
    for (const secretValue of [keys.key, keys.token, secret]) expect(s.logs.text).not.toContain(secretValue);
  });

  it('sends the browser to fail_redirect_url when the attempts run out, and the status stays not_verified', async () => {
    const phone = '+60123456702';
    const { otpId, link } = await start({ channel: 'sms', phone_sms: phone, callback_url: callbackUrl });
    await post(link, { action: 'send' });
    const code = await codeSentTo(phone);
    for (let i = 0; i < 4; i++) expect((await post(link, { action: 'check', code: wrongCode(code) })).status).toBe(400);
    expectRedirect(await post(link, { action: 'check', code: wrongCode(code) }), `${URLS.fail_redirect_url}?otp_id=${otpId}`);
    // Out of attempts: the right code no longer helps.
    expectRedirect(await post(link, { action: 'check', code }), `${URLS.fail_redirect_url}?otp_id=${otpId}`);
    const status = await call(base, 'GET', `/api/verify/${otpId}/`, { key: keys.key });
    expect(status.body.status).toEqual([{ channel: 'sms', auth_status: 'not_verified' }]);
    expect(callbacks.some((c) => c['otp_id'] === otpId)).toBe(false);
  });

  it('lets the user type the recipient when the app gave none, binds it, and treats a second send as a resend', async () => {
    const { link } = await start({ channel: 'voice' });
    const shown = await page(link);
    expect(shown.text).toContain('name="recipient"');
    expect((await post(link, { action: 'send', recipient: 'not a number' })).status).toBe(400);
    expect((await post(link, { action: 'send', recipient: '+60 12-345 6703' })).status).toBe(303);
    await codeSentTo('+60123456703');
    // Another number typed now is ignored: the channel is bound; this is a resend, inside the cooldown.
    const again = await post(link, { action: 'send', recipient: '+60123456799' });
    expect(again.status).toBe(429);
    expect(again.text).toContain('Please wait');
    expect(s.consoleOut.text).not.toContain(' to +60123456799 (');
  });

  it('masks the recipient when hide=true', async () => {
    const { link } = await start({ channel: 'sms', phone_sms: '+60123456704', hide: 'true' });
    const shown = await page(link);
    expect(shown.text).toContain('+60*****6704');
    expect(shown.text).not.toContain('+60123456704');
  });
});

describe('hosted page, several channels', () => {
  it('verifies email then sms in turn, then completes with both recipients in the callback', async () => {
    const { otpId, link } = await start({ channel: 'email, sms', email: 'Ali@GetOTP.test', callback_url: callbackUrl });
    expect(link).toMatch(/\/email\/$/);
    await post(link, { action: 'send' });
    const emailCode = await codeSentTo('ali@getotp.test');
    const smsPage = link.replace(/\/email\/$/, '/sms/');
    expectRedirect(await post(link, { action: 'check', code: emailCode }), '../sms/');

    const half = await call(base, 'GET', `/api/verify/${otpId}/`, { key: keys.key });
    expect(half.body.status).toEqual([
      { channel: 'email', auth_status: 'verified' },
      { channel: 'sms', auth_status: 'not_verified' },
    ]);

    await post(smsPage, { action: 'send', recipient: '+60123456705' });
    const smsCode = await codeSentTo('+60123456705');
    expectRedirect(await post(smsPage, { action: 'check', code: smsCode }), `${URLS.success_redirect_url}?otp_id=${otpId}`);
    await waitFor('the callback', () => callbacks.find((c) => c['otp_id'] === otpId));
    expect(callbacks.find((c) => c['otp_id'] === otpId)).toMatchObject({ auth_status: 'verified', channels: ['email', 'sms'], email: 'ali@getotp.test', phone_sms: '+60123456705' });
  });
});

describe('boundaries', () => {
  it('shows the code on the page for a sandbox credential and delivers nothing', async () => {
    const sandbox = await getotpKeys(s, { sandbox: true });
    const { link } = await start({ channel: 'sms', phone_sms: '+60123456706' }, sandbox);
    await post(link, { action: 'send' });
    const shown = await page(link);
    const code = /the code is <strong>(\d{6})<\/strong>/.exec(shown.text)?.[1];
    expect(code).toBeDefined();
    expect(s.consoleOut.text).not.toContain(' to +60123456706 (');
    expect((await post(link, { action: 'check', code: code! })).headers.get('location')).toMatch(/^https:\/\/app\.test\/otp-complete\/\?otp_id=/);
  });

  it('keeps accounts apart and answers unknown links with a plain 404 page', async () => {
    const { otpId, link } = await start({ channel: 'sms' });
    await s.otpd.accounts.create('legacy-other');
    const other = await getotpKeys(s, { account: 'legacy-other' });
    const r = await call(base, 'GET', `/api/verify/${otpId}/`, { basic: [other.key, other.token] });
    expect(r.status).toBe(404);
    expect(r.body.errors[0].code).toBe('1901');

    const gone = await page(link.replace(otpId, 'zzzzzzzzzzzzzzzzzzzz'));
    expect(gone.status).toBe(404);
    expect(gone.text).toContain('invalid or has expired');
    expect((await page(link.replace(/\/sms\/$/, '/email/'))).status).toBe(404);
  });

  it('builds the link from X-Forwarded-Proto/Host when otpd runs behind a proxy', async () => {
    const r = await call(base, 'POST', '/api/verify/', {
      basic: [keys.key, keys.token],
      form: { channel: 'sms', ...URLS },
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'otp.example.com' },
    });
    expect(r.body.link).toBe(`https://otp.example.com/getotp/api/ui/verify/${r.body.otp_id}/sms/`);
  });
});
