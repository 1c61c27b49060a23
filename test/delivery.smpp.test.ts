// SMS over SMPP end to end: otpd binds at start, submits the code to a real SMSC (the smpp library's server mode), and unbinds on close.
import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Session } from 'smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

describe('sms over SMPP', () => {
  let s: TestServer | undefined;
  let smsc: ReturnType<typeof smpp.createServer>;
  const binds: PDU[] = [];
  const submits: PDU[] = [];
  const unbinds: PDU[] = [];

  beforeAll(async () => {
    smsc = smpp.createServer((session: Session) => {
      session.on('bind_transceiver', (pdu: PDU) => {
        binds.push(pdu);
        session.send(pdu.response({ system_id: 'TESTSMSC' }));
      });
      session.on('submit_sm', (pdu: PDU) => {
        submits.push(pdu);
        session.send(pdu.response({ message_id: `SMSC-${submits.length}` }));
      });
      session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
      session.on('unbind', (pdu: PDU) => {
        unbinds.push(pdu);
        session.send(pdu.response());
      });
      session.on('error', () => undefined);
    });
    await new Promise<void>((r) => smsc.listen(0, '127.0.0.1', () => r()));
    s = await startServer({
      env: {
        NODE_ENV: 'production',
        OTPD_SMPP_HOST: '127.0.0.1',
        OTPD_SMPP_PORT: String((smsc.address() as AddressInfo).port),
        OTPD_SMPP_SYSTEM_ID: 'otpd',
        OTPD_SMPP_PASSWORD: 'secret1',
        OTPD_SMPP_SOURCE_ADDR: 'Acme',
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await new Promise<void>((r) => smsc.close(() => r()));
  });

  it('binds at start, submits the code, and the code approves', async () => {
    await waitFor('the bind', () => (binds.length ? true : undefined));
    expect(binds[0]).toMatchObject({ system_id: 'otpd', password: 'secret1' });
    const c = await s!.req('POST', '/v1/verifications', { to: '+14155550971', channel: 'sms' });
    expect(c.status).toBe(201);
    const pdu = await waitFor('the submit_sm', () => submits[0]);
    expect(pdu).toMatchObject({ destination_addr: '14155550971', source_addr: 'Acme', registered_delivery: 1 });
    const text = (pdu['short_message'] as { message: string }).message;
    const code = /\b(\d{6})\b/.exec(text)![1]!;
    const sent = await waitFor('send status sent', async () => {
      const g = await s!.req('GET', `/v1/verifications/${c.body.id}`);
      return g.body.sends[0].status === 'sent' ? g.body : undefined;
    });
    expect(sent.sends[0].provider).toBe('smpp');
    expect((await s!.req('POST', `/v1/verifications/${c.body.id}/check`, { code })).body).toMatchObject({ valid: true });
  });

  it('unbinds when otpd closes', async () => {
    await s!.close();
    s = undefined;
    await waitFor('the unbind', () => (unbinds.length ? true : undefined));
  });
});
