// SMS over SMPP end to end: otpd binds at start, submits the code to a real SMSC (the smpp library's server mode), and unbinds on close.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import smpp, { type PDU, type Session } from 'smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

describe('sms over SMPP', () => {
  let s: TestServer | undefined;
  let smsc: ReturnType<typeof smpp.createServer>;
  const binds: PDU[] = [];
  const submits: PDU[] = [];
  const unbinds: PDU[] = [];
  let bound: Session | undefined;

  beforeAll(async () => {
    smsc = smpp.createServer((session: Session) => {
      session.on('bind_transceiver', (pdu: PDU) => {
        binds.push(pdu);
        bound = session;
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

  it('turns the SMSC delivery receipt into status delivered; an UNDELIV receipt fails the verification', async () => {
    const receipt = (id: string, stat: string) =>
      new Promise((resolve) =>
        bound!.deliver_sm(
          { source_addr: '14155550972', destination_addr: 'Acme', esm_class: 0x04, short_message: `id:${id} sub:001 dlvrd:001 submit date:2611220000 done date:2611220001 stat:${stat} err:000 text:` },
          resolve,
        ),
      );
    for (const [to, stat, want] of [
      ['+14155550972', 'DELIVRD', 'delivered'],
      ['+14155550973', 'UNDELIV', 'undeliverable'],
    ] as const) {
      const c = await s!.req('POST', '/v1/verifications', { to, channel: 'sms' });
      const submit = await waitFor('the submit_sm', () => submits.find((p) => p['destination_addr'] === to.slice(1)));
      await waitFor('send status sent', async () => ((await s!.req('GET', `/v1/verifications/${c.body.id}`)).body.sends[0].status === 'sent' ? true : undefined));
      // The SMSC numbers its message ids in submit order.
      await receipt(`SMSC-${submits.indexOf(submit) + 1}`, stat);
      const g = await waitFor(`send status ${want}`, async () => {
        const r = await s!.req('GET', `/v1/verifications/${c.body.id}`);
        return r.body.sends[0].status === want ? r.body : undefined;
      });
      expect(g.status).toBe(want === 'delivered' ? 'pending' : 'failed');
    }
  });

  it('unbinds when otpd closes', async () => {
    await s!.close();
    s = undefined;
    await waitFor('the unbind', () => (unbinds.length ? true : undefined));
  });

  it('matches a receipt for a message submitted before a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpd-smpp-restart-'));
    const env = {
      NODE_ENV: 'production',
      OTPD_SMPP_HOST: '127.0.0.1',
      OTPD_SMPP_PORT: String((smsc.address() as AddressInfo).port),
      OTPD_SMPP_SYSTEM_ID: 'otpd',
      OTPD_SMPP_PASSWORD: 'secret1',
      OTPD_SMPP_SOURCE_ADDR: 'Acme',
    };
    try {
      const first = await startServer({ env, dir });
      const c = await first.req('POST', '/v1/verifications', { to: '+14155550974', channel: 'sms' });
      const submit = await waitFor('the submit_sm', () => submits.find((p) => p['destination_addr'] === '14155550974'));
      await waitFor('send status sent', async () => ((await first.req('GET', `/v1/verifications/${c.body.id}`)).body.sends[0].status === 'sent' ? true : undefined));
      await first.close();

      const bindsBefore = binds.length;
      const second = await startServer({ env, dir });
      try {
        await waitFor('the new bind', () => (binds.length > bindsBefore ? true : undefined));
        const id = `SMSC-${submits.indexOf(submit) + 1}`;
        await new Promise((resolve) =>
          bound!.deliver_sm(
            { source_addr: '14155550974', destination_addr: 'Acme', esm_class: 0x04, short_message: `id:${id} sub:001 dlvrd:001 submit date:2611220000 done date:2611220001 stat:DELIVRD err:000 text:` },
            resolve,
          ),
        );
        await waitFor('send status delivered after the restart', async () =>
          (await second.req('GET', `/v1/verifications/${c.body.id}`)).body.sends[0].status === 'delivered' ? true : undefined,
        );
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
