// Email over SMTP: a real smtp-server on loopback receives what SmtpProvider sends, and refuses it on cue.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpProvider } from '../src/channels/smtp/smtp-provider.js';
import { SUBJECTS, subjectFor } from '../src/channels/smtp/subjects.js';
import { DeliveryError, type OutboundMessage } from '../src/channels/types.js';
import { BUILTIN_LOCALES } from '../src/core/templates.js';
import { failure, outboundMessage } from './helpers/provider.js';
import { freePort } from './helpers/process.js';

const USER = 'otpd';
const PASS = 'p@ss w0rd';
const CODE = '482913';

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return outboundMessage({
    messageId: 'msg_ver_1_snd_1',
    account: { id: 'acc_1', name: 'default', appName: 'Acme', webhookUrl: null, webhookSecretSealed: null, createdAt: 0 },
    to: 'user@example.com',
    channel: 'email',
    locale: 'es',
    code: CODE,
    body: `Tu código de verificación de Acme es ${CODE}. Caduca en 10 minutos. No lo compartas con nadie.`,
    ...over,
  });
}

interface Mailbox {
  port: number;
  raw: Buffer[];
  /** Per received message: whether its session had been upgraded to TLS. */
  secure: boolean[];
  auths: Array<{ username: string | undefined; password: string | null | undefined; ok: boolean }>;
  connections: number;
  close(): Promise<void>;
}

interface MailboxOptions {
  /** Reply to RCPT TO with this code instead of accepting. */
  rcptCode?: number;
  /** Reply to the end of DATA with this code, quoting the message text back. */
  dataCode?: number;
  /** Offer STARTTLS (with smtp-server's built-in self-signed certificate). */
  starttls?: boolean;
}

/** A plain-text (no TLS) SMTP server on 127.0.0.1 that demands USER/PASS and keeps what it is sent. */
async function startMailbox(o: MailboxOptions = {}): Promise<Mailbox> {
  const box: Omit<Mailbox, 'port' | 'close'> = { raw: [], secure: [], auths: [], connections: 0 };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: o.starttls ? [] : ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    closeTimeout: 1000,
    logger: false,
    onConnect(_session, cb) {
      box.connections++;
      cb();
    },
    onAuth(auth: SMTPServerAuthentication, _session, cb) {
      const ok = auth.username === USER && auth.password === PASS;
      box.auths.push({ username: auth.username, password: auth.password, ok });
      if (ok) cb(null, { user: USER });
      else cb(new Error('Invalid username or password'));
    },
    onRcptTo(_address: SMTPServerAddress, _session, cb) {
      if (!o.rcptCode) return cb();
      cb(Object.assign(new Error(o.rcptCode >= 500 ? '5.1.1 Mailbox unavailable' : '4.7.1 Greylisted, try again later'), { responseCode: o.rcptCode }));
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (o.dataCode) {
          // Like a content filter that quotes the offending text back in its reply.
          const quoted = raw.toString('utf8').match(/\b\d{6}\b/)?.[0] ?? '';
          return cb(Object.assign(new Error(`5.7.1 Content rejected: ${quoted}`), { responseCode: o.dataCode }));
        }
        box.raw.push(raw);
        box.secure.push(session.secure);
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(box, {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  // Providers first: their QUIT lets the server close without waiting out its closeTimeout.
  for (const c of cleanups.splice(0).reverse()) await c();
});

function provider(port: number, extra: { pass?: string; timeoutMs?: number; query?: string } = {}): SmtpProvider {
  const p = new SmtpProvider({
    url: `smtp://${USER}:${encodeURIComponent(extra.pass ?? PASS)}@127.0.0.1:${port}${extra.query ?? ''}`,
    from: 'Acme <no-reply@acme.example>',
    timeoutMs: extra.timeoutMs ?? 2000,
  });
  cleanups.push(() => p.close());
  return p;
}

async function mailbox(o: MailboxOptions = {}): Promise<Mailbox> {
  const box = await startMailbox(o);
  cleanups.unshift(() => box.close());
  return box;
}

const deliveryError = (p: SmtpProvider, msg = message()): Promise<DeliveryError> => failure(p.deliver(msg));


describe('SmtpProvider', () => {
  it('sends a Spanish text and HTML message, authenticated, from the configured sender', async () => {
    const box = await mailbox();
    const p = provider(box.port);
    await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });

    expect(box.auths).toEqual([{ username: USER, password: PASS, ok: true }]);
    expect(box.raw).toHaveLength(1);
    expect(box.secure).toEqual([false]);
    const mail = await simpleParser(box.raw[0]!);
    expect(mail.from?.value).toEqual([{ name: 'Acme', address: 'no-reply@acme.example' }]);
    const to = Array.isArray(mail.to) ? mail.to : [mail.to];
    expect(to.flatMap((a) => a?.value.map((v) => v.address))).toEqual(['user@example.com']);
    expect(mail.subject).toBe('Tu código de verificación de Acme');
    expect(mail.subject).not.toContain(CODE);
    expect(mail.text?.trim()).toBe(message().body);
    expect(mail.html).toContain(`<strong>${CODE}</strong>`);
    expect(mail.html).toContain('Tu código de verificación de Acme es');
    expect(mail.messageId).toBe('<msg_ver_1_snd_1@acme.example>');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('escapes HTML in the body (app names and templates are account input)', async () => {
    const box = await mailbox();
    const p = provider(box.port);
    await p.deliver(message({ locale: 'en', body: `Your <b>Acme & Co</b> code is ${CODE}.`, account: { ...message().account, appName: 'Acme & Co' } }));
    const mail = await simpleParser(box.raw[0]!);
    expect(mail.subject).toBe('Your Acme & Co verification code');
    expect(mail.html).toContain(`Your &lt;b&gt;Acme &amp; Co&lt;/b&gt; code is <strong>${CODE}</strong>.`);
  });

  it('upgrades with STARTTLS when the server offers it', async () => {
    const box = await mailbox({ starttls: true });
    // The test server's certificate is self-signed; nodemailer reads tls.* settings from the URL.
    const p = provider(box.port, { query: '?tls.rejectUnauthorized=false' });
    await p.deliver(message());
    expect(box.secure).toEqual([true]);
  });

  it('reuses one pooled connection for several messages', async () => {
    const box = await mailbox();
    const p = provider(box.port);
    for (let i = 0; i < 5; i++) await p.deliver(message({ messageId: `msg_${i}` }));
    expect(box.raw).toHaveLength(5);
    expect(box.connections).toBe(1);
    expect(box.auths).toHaveLength(1);
  });

  it('treats a 550 recipient refusal as permanent', async () => {
    const box = await mailbox({ rcptCode: 550 });
    const err = await deliveryError(provider(box.port));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('550');
    expect(err.message).not.toContain(CODE);
  });

  it('treats a 451 recipient deferral as transient', async () => {
    const box = await mailbox({ rcptCode: 451 });
    const err = await deliveryError(provider(box.port));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('451');
  });

  it('treats a 5xx content refusal as permanent and keeps the quoted code out of the error', async () => {
    const box = await mailbox({ dataCode: 554 });
    const err = await deliveryError(provider(box.port));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('554');
    expect(err.message).toContain('[code]');
    expect(err.message).not.toContain(CODE);
  });

  it('treats refused credentials (535) as permanent, without the password in the error', async () => {
    const box = await mailbox();
    const err = await deliveryError(provider(box.port, { pass: 'wrong-password' }));
    expect(box.auths.map((a) => a.ok)).toEqual([false]);
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('535');
    expect(err.message).not.toContain('wrong-password');
  });

  it('treats nothing listening on the port as transient', async () => {
    const err = await deliveryError(provider(await freePort()));
    expect(err.permanent).toBe(false);
    expect(err.message).not.toContain(CODE);
  });

  it('treats a server that never greets as transient, within the timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.unshift(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), silent.close(() => resolve()))));
    const started = Date.now();
    const err = await deliveryError(provider((silent.address() as AddressInfo).port, { timeoutMs: 300 }));
    expect(err.permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up on a server that trickles its replies, at twice the timeout', async () => {
    // Greets, then answers EHLO with a multi-line reply that never ends: never silent for long
    // enough to trip a socket timeout, never done either.
    const timers: NodeJS.Timeout[] = [];
    const sockets: Socket[] = [];
    const trickle: Server = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.write('220 slow.example ESMTP\r\n');
      s.once('data', () => timers.push(setInterval(() => s.write('250-still here\r\n'), 100)));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    cleanups.unshift(
      () =>
        new Promise<void>((resolve) => {
          timers.forEach(clearInterval);
          sockets.forEach((s) => s.destroy());
          trickle.close(() => resolve());
        }),
    );
    const started = Date.now();
    const err = await deliveryError(provider((trickle.address() as AddressInfo).port, { timeoutMs: 300 }));
    expect(err.permanent).toBe(false);
    expect(err.message).toBe('smtp send timed out after 600 ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('email subjects', () => {
  it('has one for every built-in locale, with English as the fallback', () => {
    expect(Object.keys(SUBJECTS).sort()).toEqual([...BUILTIN_LOCALES].sort());
    expect(subjectFor('pt-BR', 'Acme')).toBe('Seu código de verificação do Acme');
    expect(subjectFor('xx', 'Acme')).toBe('Your Acme verification code');
    expect(subjectFor('en', 'A\r\nBcc: x@y.z $&')).toBe('Your A Bcc: x@y.z $& verification code');
  });
});
