// Shared pieces of the provider tests: a sample message, the failure a send must end in, and unreachable peers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { DeliveryError, type OutboundMessage, type Provider } from '../../src/channels/types.js';

/** A message as the worker hands it to a provider: SMS to a US number unless overridden. */
export function outboundMessage(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'msg_ver_1_1',
    verificationId: 'ver_1',
    account: { id: 'acc_1', name: 'a', appName: 'Acme', webhookUrl: null, webhookSecretSealed: null, createdAt: 0 },
    to: '+14155550123',
    channel: 'sms',
    locale: 'en',
    code: '482913',
    body: 'Your Acme code is 482913',
    sender: null,
    ...over,
  };
}

/** The DeliveryError `p` must reject with. */
export async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DeliveryError);
  return e as DeliveryError;
}

/** The two cases every HTTP provider must pass: a silent peer and a closed port are both transient failures. */
export function unreachablePeerCases(providerAt: (baseUrl: string) => Provider, timeoutMs: number): void {
  it('a peer that never answers is transient after timeoutMs', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      const e = await failure(providerAt(url).deliver(outboundMessage()));
      expect(e.permanent).toBe(false);
      // It waited for the timeout rather than failing at once (a functional check, not a speed one).
      expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs - 50);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a closed port is transient', async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const e = await failure(providerAt(`http://127.0.0.1:${port}`).deliver(outboundMessage()));
    expect(e.permanent).toBe(false);
  });
}

/** otpd's settings for a production server whose only SMS provider is Twilio, at `baseUrl` (a stand-in). */
export function twilioSmsEnv(baseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    OTPD_SMS_PROVIDERS: 'twilio',
    OTPD_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    OTPD_TWILIO_AUTH_TOKEN: 'twilio-token',
    OTPD_TWILIO_FROM: '+15005550006',
    OTPD_TWILIO_BASE_URL: baseUrl,
  };
}

/** Listens on a free loopback port; returns the base URL. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server, dropping kept-alive connections first. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface PeerAnswer {
  status: number;
  json?: unknown;
  /** Sent as is instead of `json` (for malformed or non-JSON answers). */
  raw?: string;
}

/** A stand-in for a provider's API: reads each request's whole body and answers JSON from `handle`. */
export function jsonPeer(handle: (req: IncomingMessage, body: string) => PeerAnswer): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const a = handle(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.raw ?? JSON.stringify(a.json ?? {}));
    });
  });
}
