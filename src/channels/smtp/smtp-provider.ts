// Email provider: sends the code through an SMTP relay over a small pool of reused connections.
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { DeliveryError, type OutboundMessage, type Provider } from '../types.js';
import { subjectFor } from './subjects.js';

export interface SmtpProviderOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465` (TLS from the start). */
  url: string;
  /** The From header, e.g. `Acme <no-reply@acme.example>`. */
  from: string;
  /** Limit for each wait on the server (connect, greeting, every reply); the whole send gets twice this. Default 10 s. */
  timeoutMs?: number;
}

/** The fields nodemailer puts on the errors it hands back. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class SmtpProvider implements Provider {
  readonly name = 'smtp';
  private readonly transport: Mail;
  private readonly from: string;
  private readonly deadlineMs: number;
  /** Message-ID right-hand side: the sender's domain, so the ID looks like the sender's own. */
  private readonly idDomain: string;
  /** Things an error text must never carry, beyond the code and body of the message at hand. */
  private readonly secrets: string[];

  constructor(opts: SmtpProviderOptions) {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.from = opts.from;
    // Socket timeouts only notice silence; a server trickling its replies would hold a send (and the
    // worker's lease on it) forever, so every send also gets an overall deadline.
    this.deadlineMs = 2 * timeoutMs;
    this.idDomain = /@([^\s<>@"]+)>?\s*$/.exec(opts.from)?.[1] ?? 'otpd.invalid';
    this.secrets = passwordOf(opts.url);
    this.transport = createTransport({
      url: opts.url,
      // One handshake (TCP, TLS, AUTH) serves many codes; bursts of sign-ins would otherwise pay it per message.
      pool: true,
      // No requireTLS and no ignoreTLS: on smtp:// nodemailer upgrades with STARTTLS whenever the server
      // offers it (its default for non-secure ports), and smtps:// is TLS from the first byte. Operators
      // who must refuse plaintext relays can add `?requireTLS=true` to the URL, which nodemailer reads.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      // Also ends a pooled connection after timeoutMs of idling; the next message simply opens a new one.
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      // The worker retries with its own backoff; the pool re-sends once only, for a pooled connection the
      // server closed just as a message was handed to it.
      maxRequeues: 1,
      // nodemailer's logger would write recipients and, with debug, whole messages including the code.
      logger: false,
      debug: false,
    });
    // Failures reach deliver() through sendMail; a transport-level 'error' event with no listener
    // would instead throw and take the whole service down.
    this.transport.on('error', () => {});
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    try {
      await this.transport.sendMail({
        from: this.from,
        // An address object, not a string: nodemailer would read a string as a list with display names.
        to: { name: '', address: msg.to },
        subject: subjectFor(msg.locale, msg.account.appName),
        text: msg.body,
        html: toHtml(msg),
        // Stable across retries of one send, so a receiver that got the first try can drop the repeat.
        messageId: `<${msg.messageId}@${this.idDomain}>`,
        // RFC 3834: vacation responders and similar robots must not answer an automatic message.
        headers: { 'Auto-Submitted': 'auto-generated' },
        signal: AbortSignal.timeout(this.deadlineMs),
      });
    } catch (e) {
      throw this.classify(e, msg);
    }
    return { status: 'sent' };
  }

  /** Closes the pool: idle connections now, a connection that is mid-send once that send is done. */
  close(): void {
    this.transport.close();
  }

  /** Turns a nodemailer failure into a DeliveryError whose text is safe to store and log. */
  private classify(e: unknown, msg: OutboundMessage): DeliveryError {
    const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as SmtpError;
    if (err.code === 'EABORT') return new DeliveryError(`smtp send timed out after ${this.deadlineMs} ms`, false);
    const detail = this.redact(err.response ?? err.message ?? 'unknown error', msg);
    const where = err.command ? ` at ${err.command}` : '';
    const code = typeof err.responseCode === 'number' ? err.responseCode : null;
    if (code !== null) {
      // 5xx is the server's final answer for this message (bad mailbox, policy refusal, bad credentials),
      // except 503 "bad sequence of commands", which is about the session, not the message, and may
      // pass on a fresh connection. 4xx (greylisting, mailbox full, rate limits) asks to come back later.
      const permanent = code >= 500 && code < 600 && code !== 503;
      return new DeliveryError(`smtp server refused${where}: ${detail}`, permanent);
    }
    // Rejected by nodemailer before any server saw it: this message can never be sent as written.
    if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return new DeliveryError(`smtp message rejected: ${detail}`, true);
    // Connection refused or dropped, DNS, TLS, timeouts: the relay may be back on the next try.
    return new DeliveryError(`smtp ${err.code ?? 'error'}${where}: ${detail}`, false);
  }

  /** Servers may quote what they were sent; none of it (the code above all) may end up in an error text. */
  private redact(text: string, msg: OutboundMessage): string {
    let out = text.replace(/\s+/g, ' ').trim();
    for (const [secret, mark] of [
      [msg.body, '[body]'],
      [msg.code, '[code]'],
      ...this.secrets.map((s) => [s, '[password]'] as const),
    ] as const) {
      if (secret) out = out.split(secret).join(mark);
    }
    return out.length > 300 ? `${out.slice(0, 300)}…` : out;
  }
}

/** The password in an SMTP URL, raw and decoded, so it can be scrubbed from error texts. */
function passwordOf(url: string): string[] {
  try {
    const raw = new URL(url).password;
    if (!raw) return [];
    const decoded = decodeURIComponent(raw);
    return decoded === raw ? [raw] : [raw, decoded];
  } catch {
    return [];
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The text body as HTML: escaped (app names and custom templates are account input), the code in bold. */
function toHtml(msg: OutboundMessage): string {
  const code = escapeHtml(msg.code);
  let body = escapeHtml(msg.body);
  if (code) body = body.split(code).join(`<strong>${code}</strong>`);
  body = body.replace(/\r?\n/g, '<br>\n');
  // dir="auto" lets Arabic and other right-to-left bodies render right to left.
  return `<!doctype html>\n<html lang="${escapeHtml(msg.locale)}" dir="auto"><head><meta charset="utf-8"></head>\n<body><p>${body}</p></body></html>\n`;
}
