// Outage: the SMSC is down for 20 s while codes are created; when it is back every code is delivered exactly once.
import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Session } from 'smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

const DOWN_MS = 20_000;

describe('SMSC outage', () => {
  let s: TestServer | undefined;
  let port: number;
  let smsc: ReturnType<typeof smpp.createServer> | undefined;
  const sessions = new Set<Session>();
  const submits: PDU[] = [];

  /** Starts the SMSC on `port` (0 the first time). */
  const startSmsc = async (): Promise<void> => {
    smsc = smpp.createServer((session: Session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
      session.on('error', () => undefined);
      session.on('bind_transceiver', (pdu: PDU) => session.send(pdu.response({ system_id: 'TESTSMSC' })));
      session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
      session.on('unbind', (pdu: PDU) => session.send(pdu.response()));
      session.on('submit_sm', (pdu: PDU) => {
        submits.push(pdu);
        session.send(pdu.response({ message_id: `SMSC-${submits.length}` }));
      });
    });
    await new Promise<void>((r) => smsc!.listen(port ?? 0, '127.0.0.1', () => r()));
    port = (smsc.address() as AddressInfo).port;
  };

  /** Stops listening and drops every bound session, as a crashed SMSC would. */
  const stopSmsc = async (): Promise<void> => {
    for (const session of sessions) session.socket.destroy();
    await new Promise<void>((r) => smsc!.close(() => r()));
  };

  beforeAll(async () => {
    await startSmsc();
    s = await startServer({
      env: {
        NODE_ENV: 'production',
        OTPD_PROVIDER_TIMEOUT_MS: '1000',
        OTPD_SMPP_HOST: '127.0.0.1',
        OTPD_SMPP_PORT: String(port),
        OTPD_SMPP_SYSTEM_ID: 'otpd',
        OTPD_SMPP_PASSWORD: 'secret1',
        OTPD_SMPP_SOURCE_ADDR: 'Acme',
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    if (smsc?.listening) await stopSmsc();
  });

  it('queues codes while the SMSC is down and delivers each exactly once after it returns', async () => {
    await waitFor('the first bind', () => (sessions.size ? true : undefined));
    await stopSmsc();
    const downAt = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await s!.req('POST', '/v1/verifications', { to: `+1415555099${i}`, channel: 'sms' });
      expect(c.status).toBe(201);
      ids.push(c.body.id);
    }
    // While down, nothing is lost: the sends are back in the outbox with the reason.
    const queued = await waitFor('a failed attempt on record', async () => {
      const g = await s!.req('GET', `/v1/verifications/${ids[0]}`);
      return g.body.sends[0].error ? g.body.sends[0] : undefined;
    });
    expect(queued.status).toBe('queued');

    await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - downAt))));
    await startSmsc();
    for (const id of ids) {
      await waitFor(
        `delivery of ${id}`,
        async () => ((await s!.req('GET', `/v1/verifications/${id}`)).body.sends[0].status === 'sent' ? true : undefined),
        40_000,
      );
    }
    const perNumber = new Map<string, number>();
    for (const p of submits) perNumber.set(String(p['destination_addr']), (perNumber.get(String(p['destination_addr'])) ?? 0) + 1);
    expect([...perNumber.values()]).toEqual([1, 1, 1, 1, 1]);
  }, 90_000);
});
