// Property: the SMPP provider binds, submits and splits messages the way an SMSC expects, classifies its refusals, reads receipts, and survives a dropped link.
import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Server, type Session } from 'smpp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeSms } from '../src/channels/smpp/encoding.js';
import { SmppProvider, type SmppProviderOptions, type SmppReceipt } from '../src/channels/smpp/smpp-provider.js';
import { failure, outboundMessage as message } from './helpers/provider.js';

const SYSTEM_ID = 'otpd';
const PASSWORD = 'pw-1234';
const TIMEOUT = 300;
const E = smpp.errors;

// ---- a stand-in SMSC built on the smpp library's server mode ----

interface Answer {
  /** A non-zero command_status to refuse with. */
  status?: number;
  /** Keep the submit_sm_resp until the test releases it. */
  hold?: boolean;
  delayMs?: number;
}

let smsc: Server;
let port: number;
let answer: (pdu: PDU) => Answer = () => ({});
let answerEnquireLink = true;
let nextId = 1;
let inFlight = 0;
let maxInFlight = 0;
const binds: PDU[] = [];
const submits: Array<{ pdu: PDU; at: number }> = [];
const held: Array<() => void> = [];
let enquireLinks = 0;
let unbinds = 0;
/** Server-side sessions that were bound successfully, latest last. */
const bound: Session[] = [];

function onSession(session: Session): void {
  session.on('error', () => {});
  session.on('close', () => {
    const i = bound.indexOf(session);
    if (i >= 0) bound.splice(i, 1);
  });
  session.on('bind_transceiver', (pdu: PDU) => {
    binds.push(pdu);
    const status = pdu.system_id !== SYSTEM_ID ? E.ESME_RINVSYSID! : pdu.password !== PASSWORD ? E.ESME_RINVPASWD! : 0;
    if (status) {
      session.send(pdu.response({ command_status: status }));
      session.close();
      return;
    }
    bound.push(session);
    session.send(pdu.response({ system_id: 'TESTSMSC' }));
  });
  session.on('submit_sm', (pdu: PDU) => {
    submits.push({ pdu, at: Date.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const a = answer(pdu);
    const reply = (): void => {
      inFlight--;
      session.send(pdu.response(a.status ? { command_status: a.status } : { message_id: `SMSC-${nextId++}` }));
    };
    if (a.hold) held.push(reply);
    else if (a.delayMs) setTimeout(reply, a.delayMs);
    else reply();
  });
  session.on('enquire_link', (pdu: PDU) => {
    enquireLinks++;
    if (answerEnquireLink) session.send(pdu.response());
  });
  session.on('unbind', (pdu: PDU) => {
    unbinds++;
    session.send(pdu.response());
    session.close();
  });
}

function listen(on: number): Promise<number> {
  return new Promise((resolve, reject) => {
    smsc.once('error', reject);
    smsc.listen(on, '127.0.0.1', () => {
      smsc.off('error', reject);
      resolve((smsc.address() as AddressInfo).port);
    });
  });
}

/** The SMSC goes away: every connection is dropped and the port stops listening. */
async function stopSmsc(): Promise<void> {
  for (const s of [...smsc.sessions]) s.destroy();
  await new Promise<void>((resolve) => smsc.close(() => resolve()));
}

/** Sends a deliver_sm to the provider over the latest bound session; resolves with its deliver_sm_resp. */
function sendDeliverSm(params: Record<string, unknown>): Promise<PDU> {
  const session = bound.at(-1);
  if (!session) throw new Error('no bound session');
  return new Promise((resolve) =>
    session.deliver_sm({ source_addr_ton: 1, source_addr_npi: 1, source_addr: '14155550123', destination_addr: 'Acme', ...params }, resolve),
  );
}

beforeAll(async () => {
  smsc = smpp.createServer(onSession);
  port = await listen(0);
});

afterAll(async () => {
  for (const s of [...smsc.sessions]) s.destroy();
  await new Promise<void>((resolve) => smsc.close(() => resolve()));
});

const providers: SmppProvider[] = [];
const provider = (over: Partial<SmppProviderOptions> = {}): SmppProvider => {
  const p = new SmppProvider({ host: '127.0.0.1', port, systemId: SYSTEM_ID, password: PASSWORD, sourceAddr: 'Acme', timeoutMs: TIMEOUT, reconnectMinMs: 50, reconnectMaxMs: 200, ...over });
  providers.push(p);
  return p;
};

afterEach(async () => {
  for (const release of held.splice(0)) release();
  await Promise.all(providers.splice(0).map((p) => p.close()));
  answer = () => ({});
  answerEnquireLink = true;
  binds.length = 0;
  submits.length = 0;
  inFlight = 0;
  maxInFlight = 0;
  enquireLinks = 0;
  unbinds = 0;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(cond: () => boolean, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** The decoded short_message of a submit_sm as the library hands it to the SMSC: text and UDH elements. */
const sm = (pdu: PDU) => pdu.short_message as { message: string; udh?: Buffer[] };

describe('smpp provider', () => {
  it('is named smpp', () => {
    expect(provider().name).toBe('smpp');
  });

  it('binds as a transceiver with system_id and password, then submits a GSM text with data_coding 0 to the E.164 number without +', async () => {
    const p = provider();
    await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(binds).toHaveLength(1);
    expect(binds[0]).toMatchObject({ command: 'bind_transceiver', system_id: SYSTEM_ID, password: PASSWORD, interface_version: 0x34 });
    expect(submits).toHaveLength(1);
    const pdu = submits[0]!.pdu;
    expect(pdu).toMatchObject({
      source_addr: 'Acme',
      source_addr_ton: 5,
      source_addr_npi: 0,
      destination_addr: '14155550123',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: 1,
      esm_class: 0,
      data_coding: 0,
    });
    expect(sm(pdu).message).toBe('Your Acme code is 482913');
  });

  it('sends a numeric sender as an international number, and GSM extension characters as escapes', async () => {
    const body = 'Code {482913} costs 0€ [Acme] @_ ~|^\\ §¿';
    await provider({ sourceAddr: '+15005550006' }).deliver(message({ body }));
    const pdu = submits[0]!.pdu;
    expect(pdu).toMatchObject({ source_addr: '15005550006', source_addr_ton: 1, source_addr_npi: 1, data_coding: 0 });
    expect(sm(pdu).message).toBe(body);
  });

  it.each([
    ['Hindi', 'आपका Acme कोड 482913 है'],
    ['Chinese', '您的 Acme 验证码是 482913'],
  ])('sends a %s text as UCS-2 (data_coding 8)', async (_, body) => {
    await provider().deliver(message({ body }));
    const pdu = submits[0]!.pdu;
    expect(pdu).toMatchObject({ data_coding: 8, esm_class: 0 });
    expect(sm(pdu).message).toBe(body);
  });

  it('splits a 300-character GSM text into 2 parts with one UDH reference and sequence 1, 2', async () => {
    const body = `Your Acme code is 482913. ${'x'.repeat(274)}`;
    expect(body).toHaveLength(300);
    await expect(provider().deliver(message({ body }))).resolves.toEqual({ status: 'sent' });
    expect(submits).toHaveLength(2);
    const [a, b] = submits.map((s) => s.pdu) as [PDU, PDU];
    for (const pdu of [a, b]) expect(pdu).toMatchObject({ esm_class: 0x40, data_coding: 0, registered_delivery: 1, destination_addr: '14155550123' });
    const [udhA, udhB] = [sm(a).udh?.[0], sm(b).udh?.[0]];
    expect(udhA).toBeDefined();
    expect([...udhA!]).toEqual([0x00, 0x03, udhA![2], 2, 1]);
    expect([...udhB!]).toEqual([0x00, 0x03, udhA![2], 2, 2]);
    expect(sm(a).message).toHaveLength(153);
    expect(sm(a).message + sm(b).message).toBe(body);
  });

  it('splits a long UCS-2 text into parts of 67 characters', async () => {
    const body = '您的验证码是482913。'.repeat(8);
    await provider().deliver(message({ body }));
    expect(submits).toHaveLength(2);
    const parts = submits.map((s) => sm(s.pdu));
    expect(submits.map((s) => s.pdu.data_coding)).toEqual([8, 8]);
    expect(parts[0]!.message).toHaveLength(67);
    expect(parts.map((p) => p.message).join('')).toBe(body);
    expect(parts.map((p) => p.udh?.[0]?.[4])).toEqual([1, 2]);
  });

  describe('delivery receipts', () => {
    async function sentAndBound(onReceipt: (r: SmppReceipt) => void): Promise<void> {
      await provider({ onReceipt }).deliver(message());
    }

    it('a DELIVRD receipt text reaches onReceipt as delivered, for the send it belongs to, and is acknowledged', async () => {
      const receipts: SmppReceipt[] = [];
      await sentAndBound((r) => receipts.push(r));
      const id = `SMSC-${nextId - 1}`;
      const resp = await sendDeliverSm({
        esm_class: 0x04,
        short_message: `id:${id} sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:Your Acme code is 4`,
      });
      expect(resp).toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
      await waitFor(() => receipts.length === 1);
      expect(receipts[0]).toEqual({ messageId: id, status: 'delivered', outboundMessageId: 'msg_ver_1_1' });
    });

    it.each([
      ['UNDELIV', 'undeliverable'],
      ['REJECTD', 'undeliverable'],
      ['EXPIRED', 'failed'],
      ['DELETED', 'failed'],
      ['UNKNOWN', 'failed'],
    ])('stat:%s is %s, with stat and err but never the text', async (stat, status) => {
      const receipts: SmppReceipt[] = [];
      await sentAndBound((r) => receipts.push(r));
      await sendDeliverSm({ esm_class: 0x04, short_message: `id:SMSC-x sub:001 dlvrd:000 submit date:2501011200 done date:2501011201 stat:${stat} err:042 text:Your Acme code is 482913` });
      await waitFor(() => receipts.length === 1);
      expect(receipts[0]).toEqual({ messageId: 'SMSC-x', status, error: `${stat} (err 042)` });
    });

    it('reads the receipted_message_id and message_state TLVs', async () => {
      const receipts: SmppReceipt[] = [];
      await sentAndBound((r) => receipts.push(r));
      const id = `SMSC-${nextId - 1}`;
      await sendDeliverSm({ esm_class: 0x04, short_message: '', receipted_message_id: id, message_state: 5 });
      await waitFor(() => receipts.length === 1);
      expect(receipts[0]).toEqual({ messageId: id, status: 'undeliverable', error: 'UNDELIV', outboundMessageId: 'msg_ver_1_1' });
    });

    it('a throwing onReceipt does not take the session down', async () => {
      const p = provider({
        onReceipt: () => {
          throw new Error('callback bug');
        },
      });
      await p.deliver(message());
      const resp = await sendDeliverSm({ esm_class: 0x04, short_message: 'id:SMSC-1 stat:DELIVRD err:000 text:' });
      expect(resp.command_status).toBe(0);
      await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });
      expect(binds).toHaveLength(1);
    });

    it('acknowledges, but does not report, intermediate receipts and mobile-originated messages', async () => {
      const receipts: SmppReceipt[] = [];
      await sentAndBound((r) => receipts.push(r));
      const r1 = await sendDeliverSm({ esm_class: 0x04, short_message: 'id:SMSC-1 sub:001 dlvrd:000 submit date:2501011200 done date:2501011200 stat:ENROUTE err:000 text:' });
      const r2 = await sendDeliverSm({ esm_class: 0, short_message: 'STOP' });
      expect([r1.command_status, r2.command_status]).toEqual([0, 0]);
      await sleep(50);
      expect(receipts).toEqual([]);
    });
  });

  describe('refusals', () => {
    it('a wrong password is permanent, fails fast while refused, and the error holds no secret', async () => {
      const p = provider({ password: 'wrong-pw' });
      const e = await failure(p.deliver(message()));
      expect(e.permanent).toBe(true);
      expect(e.message).toContain('ESME_RINVPASWD');
      expect(e.message).not.toContain('wrong-pw');
      expect(binds[0]).toMatchObject({ system_id: SYSTEM_ID, password: 'wrong-pw' });
      expect(submits).toHaveLength(0);
      const started = Date.now();
      expect((await failure(p.deliver(message()))).permanent).toBe(true);
      expect(Date.now() - started).toBeLessThan(TIMEOUT);
    });

    it('an unknown system_id is permanent', async () => {
      const e = await failure(provider({ systemId: 'nobody' }).deliver(message()));
      expect(e.permanent).toBe(true);
      expect(e.message).toContain('ESME_RINVSYSID');
    });

    const cases: Array<[string, number, boolean]> = [
      ['ESME_RTHROTTLED', E.ESME_RTHROTTLED!, false],
      ['ESME_RMSGQFUL', E.ESME_RMSGQFUL!, false],
      ['ESME_RSYSERR', E.ESME_RSYSERR!, false],
      ['ESME_RSUBMITFAIL', E.ESME_RSUBMITFAIL!, false],
      ['an unknown status', 0x0444, false],
      ['ESME_RINVDSTADR', E.ESME_RINVDSTADR!, true],
      ['ESME_RINVSRCADR', E.ESME_RINVSRCADR!, true],
      ['ESME_RINVMSGLEN', E.ESME_RINVMSGLEN!, true],
    ];
    it.each(cases)('submit_sm_resp %s has permanent=%s, and the error holds neither code nor text', async (_, status, permanent) => {
      answer = () => ({ status });
      const e = await failure(provider().deliver(message()));
      expect(e.permanent).toBe(permanent);
      expect(e.message).not.toContain('482913');
      expect(e.message).not.toContain('Your Acme code');
    });

    it('a part refused in a long message fails the send', async () => {
      answer = (pdu) => ((sm(pdu).udh?.[0]?.[4] ?? 1) === 2 ? { status: E.ESME_RTHROTTLED! } : {});
      const e = await failure(provider().deliver(message({ body: 'x'.repeat(200) })));
      expect(e.permanent).toBe(false);
      expect(submits).toHaveLength(2);
    });

    it('a destination that is not E.164 is permanent and never submitted', async () => {
      const e = await failure(provider().deliver(message({ to: 'not-a-number' })));
      expect(e.permanent).toBe(true);
      expect(submits).toHaveLength(0);
    });

    it('an SMSC that never answers submit_sm is transient after timeoutMs', async () => {
      answer = () => ({ hold: true });
      const started = Date.now();
      const e = await failure(provider().deliver(message()));
      expect(e.permanent).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 20);
      expect(e.message).not.toContain('482913');
    });

    it('a closed port is transient after waiting timeoutMs for the bind', async () => {
      const other = smpp.createServer();
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
      const closedPort = (other.address() as AddressInfo).port;
      await new Promise<void>((resolve) => other.close(() => resolve()));
      const started = Date.now();
      const e = await failure(provider({ port: closedPort }).deliver(message()));
      expect(e.permanent).toBe(false);
      expect(e.message).toContain('ECONNREFUSED');
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 20);
    });
  });

  describe('the link', () => {
    it('reconnects after the SMSC drops the connection and goes away, and the next send succeeds without a restart', async () => {
      const p = provider({ timeoutMs: 2_000 });
      await p.deliver(message());
      expect(binds).toHaveLength(1);

      await stopSmsc();
      await waitFor(() => !p.isBound);
      // A send while the SMSC is away waits for the rebind (within timeoutMs)…
      const pending = p.deliver(message({ messageId: 'during-outage' }));
      await sleep(300); // several refused reconnect attempts
      port = await listen(port);
      await expect(pending).resolves.toEqual({ status: 'sent' });
      // …and later sends go through the same provider as before.
      await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });
      expect(binds).toHaveLength(2);
      expect(submits).toHaveLength(3);
    });

    it('a submit in flight when the connection drops is transient', async () => {
      answer = () => ({ hold: true });
      const p = provider({ timeoutMs: 2_000 });
      const sending = p.deliver(message());
      await waitFor(() => submits.length === 1);
      for (const s of [...smsc.sessions]) s.destroy();
      const e = await failure(sending);
      expect(e.permanent).toBe(false);
      held.length = 0;
      answer = () => ({});
      await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });
    });

    it('sends enquire_link on an idle session', async () => {
      const p = provider({ enquireLinkMs: 100 });
      p.start();
      await waitFor(() => p.isBound);
      await sleep(450);
      expect(enquireLinks).toBeGreaterThanOrEqual(3);
      expect(binds).toHaveLength(1);
    });

    it('drops and rebinds a link whose enquire_link goes unanswered', async () => {
      answerEnquireLink = false;
      const p = provider({ enquireLinkMs: 100, timeoutMs: 200 });
      p.start();
      await waitFor(() => binds.length >= 2);
      answerEnquireLink = true;
      await waitFor(() => p.isBound);
      await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });
    });

    it('unbinds on close and stops reconnecting', async () => {
      const p = provider();
      await p.deliver(message());
      await p.close();
      expect(unbinds).toBe(1);
      await sleep(150);
      expect(binds).toHaveLength(1);
      expect((await failure(p.deliver(message()))).permanent).toBe(false);
    });
  });

  describe('flow control', () => {
    it('never has more than windowSize submits awaiting their answer', async () => {
      answer = () => ({ hold: true });
      const p = provider({ windowSize: 3, timeoutMs: 3_000 });
      const sends = Array.from({ length: 8 }, (_, i) => p.deliver(message({ messageId: `m${i}` })));
      await waitFor(() => submits.length === 3);
      await sleep(150);
      expect(submits).toHaveLength(3);
      answer = () => ({ delayMs: 10 });
      for (const release of held.splice(0)) release();
      await expect(Promise.all(sends)).resolves.toHaveLength(8);
      expect(submits).toHaveLength(8);
      expect(maxInFlight).toBe(3);
    });

    it('spaces submits to throughputPerSecond', async () => {
      const p = provider({ throughputPerSecond: 20, timeoutMs: 2_000 });
      p.start();
      await waitFor(() => p.isBound);
      await Promise.all(Array.from({ length: 5 }, () => p.deliver(message())));
      const times = submits.map((s) => s.at);
      // 5 submits at 20/s: the first at once, then one every 50 ms.
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(180);
    });
  });
});

describe('smpp encoding', () => {
  it('keeps 160 GSM septets (or 70 UCS-2 characters) in one part and splits one more', () => {
    expect(encodeSms('a'.repeat(160), 1).parts).toHaveLength(1);
    expect(encodeSms('a'.repeat(161), 1).parts.map((p) => p.length)).toEqual([6 + 153, 6 + 8]);
    expect(encodeSms('é'.repeat(70), 1)).toMatchObject({ dataCoding: 0 });
    expect(encodeSms('ж'.repeat(70), 1).parts).toHaveLength(1);
    expect(encodeSms('ж'.repeat(71), 1).parts.map((p) => p.length)).toEqual([6 + 134, 6 + 8]);
  });

  it('counts extension characters twice and never splits an escape sequence', () => {
    expect(encodeSms('€'.repeat(80), 1).parts).toHaveLength(1);
    const parts = encodeSms(`${'a'.repeat(152)}€b${'c'.repeat(10)}`, 7).parts;
    expect(parts[0]!.subarray(6)).toHaveLength(152);
    expect([...parts[1]!.subarray(6, 8)]).toEqual([0x1b, 0x65]);
  });

  it('never splits a surrogate pair', () => {
    const parts = encodeSms(`${'ж'.repeat(66)}😀${'ж'.repeat(10)}`, 1).parts;
    expect(parts[0]!.subarray(6)).toHaveLength(66 * 2);
    expect(parts[1]!.subarray(6, 10).swap16().toString('utf16le')).toBe('😀');
  });

  it('writes the reference into every part and refuses more than 255 parts', () => {
    const parts = encodeSms('a'.repeat(500), 0x1ab).parts;
    expect(parts.map((p) => [...p.subarray(0, 6)])).toEqual([1, 2, 3, 4].map((i) => [5, 0, 3, 0xab, 4, i]));
    expect(() => encodeSms('a'.repeat(153 * 255 + 1), 1)).toThrow(/too long/);
  });
});
