// Email end to end: otpd delivers the code over SMTP to a real smtp-server peer, and that code approves.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

describe('email over SMTP', () => {
  let s: TestServer;
  let smtp: SMTPServer;
  const mails: Awaited<ReturnType<typeof simpleParser>>[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _session, cb) => (auth.username === 'otpd' && auth.password === 'mail-pass' ? cb(null, { user: 'otpd' }) : cb(new Error('bad credentials'))),
      onData: (stream, _session, cb) => {
        simpleParser(stream).then((m) => {
          mails.push(m);
          cb();
        }, cb);
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    s = await startServer({
      env: { NODE_ENV: 'production', OTPD_SMTP_URL: `smtp://otpd:mail-pass@127.0.0.1:${port}`, OTPD_EMAIL_FROM: 'Acme <no-reply@acme.test>' },
    });
  });
  afterAll(async () => {
    await s?.close();
    await new Promise<void>((r) => smtp.close(r));
  });

  it('sends the code in the locale of the verification; the code approves', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: 'User@Example.com', channel: 'email', locale: 'fr' });
    expect(c.status).toBe(201);
    expect(c.body.to).toBe('user@example.com');
    const mail = await waitFor('the mail', () => mails.find((m) => (m.to as { text: string } | undefined)?.text === 'user@example.com'));
    expect(mail.from?.value[0]).toMatchObject({ name: 'Acme', address: 'no-reply@acme.test' });
    expect(mail.text).toContain('Votre code de vérification');
    const code = /\b(\d{6})\b/.exec(mail.text ?? '')![1]!;
    expect(mail.html).toContain(`<strong>${code}</strong>`);
    const g = await waitFor('send status sent', async () => {
      const r = await s.req('GET', `/v1/verifications/${c.body.id}`);
      return r.body.sends[0].status === 'sent' ? r.body : undefined;
    });
    expect(g.sends[0].provider).toBe('smtp');
    const check = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code });
    expect(check.body).toMatchObject({ valid: true, reason: 'approved' });
  });

  it('has no console fallback in production: sms without a provider is unavailable', async () => {
    const r = await s.req('POST', '/v1/verifications', { to: '+14155550901', channel: 'sms' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('channel_unavailable');
  });
});
