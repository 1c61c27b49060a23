// SMS over SMPP 3.4: submits the code through one persistent transceiver bind to an SMSC and reads its delivery receipts.
import { randomInt } from 'node:crypto';
import type { PDU } from 'smpp';
import { DeliveryError, type OutboundMessage, type Provider } from '../types.js';
import { encodeSms, type EncodedSms } from './encoding.js';
import { TokenBucket, Window } from './limits.js';
import { parseReceipt, type ReceiptStatus } from './receipt.js';
import { SmppSession } from './session.js';
import { describeStatus, isPermanentStatus } from './status.js';

export interface SmppReceipt {
  /** The SMSC's message_id (one per part of a long message), as the receipt names it. */
  messageId: string;
  status: ReceiptStatus;
  /** For a failure: the receipt's stat and err, e.g. `UNDELIV (err 001)`. */
  error?: string;
  /** The OutboundMessage.messageId this SMSC id was returned for, while this process still remembers it. */
  outboundMessageId?: string;
}

export interface SmppProviderOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** Sender: an international number (`+4915…` or digits), a short code, or an alphanumeric ID (≤ 11 characters). */
  sourceAddr: string;
  /** Default: 5 (alphanumeric) for a sender with letters, 1 (international) for a number of more than 8 digits, else 0 (unknown). */
  sourceTon?: number;
  /** Default: 0 for an alphanumeric sender, else 1 (ISDN/E.164). */
  sourceNpi?: number;
  /** enquire_link after this long without any PDU from the SMSC. Default 30 s. */
  enquireLinkMs?: number;
  /** Most submit_sm awaiting their submit_sm_resp at once. Default 10. */
  windowSize?: number;
  /** submit_sm per second (each part counts), evenly spaced; unlimited when not given. */
  throughputPerSecond?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * Limit for each wait: connect + bind, a free window slot and a throughput token (together, one
   * budget per send), and each submit_sm_resp. A send so takes at most about twice this. Default 10 s.
   */
  timeoutMs?: number;
  /** Final delivery receipts; called synchronously from the socket handler, so it should not block or throw. */
  onReceipt?: (r: SmppReceipt) => void;
  /** Durable SMSC id -> message id map, so receipts for messages submitted before a restart still match. */
  ids?: ReceiptIdStore;
}

export interface ReceiptIdStore {
  save(smscIds: string[], outboundId: string): Promise<void>;
  /** The message id saved under the first of `candidates` found, or null. */
  find(candidates: string[]): Promise<string | null>;
}

/** How many SMSC message ids are remembered for mapping receipts back to sends (oldest dropped first). */
const REMEMBERED_IDS = 10_000;

export class SmppProvider implements Provider {
  readonly name = 'smpp';
  private readonly session: SmppSession;
  private readonly window: Window;
  private readonly bucket: TokenBucket | null;
  private readonly timeoutMs: number;
  private readonly source: { addr: string; ton: number; npi: number };
  /** SMSC message_id → OutboundMessage.messageId. */
  private readonly sentIds = new Map<string, string>();
  private reference = randomInt(256);

  constructor(private readonly opts: SmppProviderOptions) {
    for (const key of ['host', 'systemId', 'password', 'sourceAddr'] as const) {
      if (!opts[key]) throw new Error(`smpp: ${key} is required`);
    }
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new Error('smpp: port must be 1-65535');
    const windowSize = opts.windowSize ?? 10;
    if (!Number.isInteger(windowSize) || windowSize < 1) throw new Error('smpp: windowSize must be a positive integer');
    if (opts.throughputPerSecond !== undefined && !(opts.throughputPerSecond > 0)) throw new Error('smpp: throughputPerSecond must be positive');
    const reconnectMinMs = opts.reconnectMinMs ?? 1_000;
    const reconnectMaxMs = Math.max(reconnectMinMs, opts.reconnectMaxMs ?? 30_000);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.source = sourceAddress(opts.sourceAddr, opts.sourceTon, opts.sourceNpi);
    this.window = new Window(windowSize);
    this.bucket = opts.throughputPerSecond ? new TokenBucket(opts.throughputPerSecond) : null;
    this.session = new SmppSession({
      host: opts.host,
      port: opts.port,
      systemId: opts.systemId,
      password: opts.password,
      systemType: opts.systemType ?? '',
      enquireLinkMs: opts.enquireLinkMs ?? 30_000,
      reconnectMinMs,
      reconnectMaxMs,
      timeoutMs: this.timeoutMs,
      onDeliverSm: (pdu) => this.onDeliverSm(pdu),
    });
  }

  /** Connects and binds now instead of on the first send (the session then stays up). */
  start(): void {
    this.session.start();
  }

  get isBound(): boolean {
    return this.session.isBound;
  }

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    const destination = destinationAddress(msg.to);
    this.reference = (this.reference + 1) & 0xff;
    const sms = encodeSms(msg.body, this.reference);
    const deadline = Date.now() + this.timeoutMs;
    const ids = await Promise.all(sms.parts.map((part) => this.submit(part, sms, destination, deadline)));
    for (const id of ids) if (id) this.remember(id, msg.messageId);
    // Kept in memory for the receipts that come at once, and durably for those that come after a restart.
    await this.opts.ids?.save(ids.filter(Boolean), msg.messageId).catch(() => undefined);
    return { status: 'sent' };
  }

  /** Unbinds and stops reconnecting; sends after this fail (transient). */
  close(): Promise<void> {
    return this.session.close();
  }

  /** One submit_sm: waits for the bind, a window slot and a token, then for the SMSC's answer. Resolves with its message_id. */
  private async submit(part: Buffer, sms: EncodedSms, destination: string, deadline: number): Promise<string> {
    await this.session.bound(deadline); // fails fast while the SMSC refuses our credentials
    const release = await this.window.acquire(
      deadline,
      () => new DeliveryError(`smpp: the submit window stayed full (${this.window.inUse} awaiting the SMSC) for ${this.timeoutMs} ms`, false),
    );
    try {
      await this.bucket?.take(deadline, () => new DeliveryError(`smpp: throughputPerSecond leaves no room for this message within ${this.timeoutMs} ms`, false));
      const link = await this.session.bound(deadline);
      const resp = await this.session.request(link, 'submit_sm', {
        source_addr_ton: this.source.ton,
        source_addr_npi: this.source.npi,
        source_addr: this.source.addr,
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: destination,
        esm_class: sms.esmClass,
        registered_delivery: 1,
        data_coding: sms.dataCoding,
        short_message: part,
      });
      if (resp.command_status !== 0) {
        const status = resp.command_status;
        throw new DeliveryError(`smpp: the SMSC rejected the message (${describeStatus(status)})`, isPermanentStatus(status));
      }
      return typeof resp.message_id === 'string' ? resp.message_id.trim() : '';
    } finally {
      release();
    }
  }

  private remember(smscId: string, outboundId: string): void {
    this.sentIds.set(smscId, outboundId);
    if (this.sentIds.size > REMEMBERED_IDS) this.sentIds.delete(this.sentIds.keys().next().value!);
  }

  private onDeliverSm(pdu: PDU): void {
    const receipt = parseReceipt(pdu);
    if (!receipt || !this.opts.onReceipt) return;
    const candidates = [receipt.messageId, ...alternateIds(receipt.messageId)];
    const key = candidates.find((id) => this.sentIds.has(id));
    const outboundMessageId = key === undefined ? undefined : this.sentIds.get(key);
    if (key !== undefined) this.sentIds.delete(key);
    if (outboundMessageId || !this.opts.ids) return this.emit(receipt, outboundMessageId);
    // Not sent by this process (a restart in between): look the id up in the store.
    this.opts.ids.find(candidates).then(
      (found) => this.emit(receipt, found ?? undefined),
      () => this.emit(receipt, undefined),
    );
  }

  private emit(receipt: SmppReceipt, outboundMessageId: string | undefined): void {
    try {
      this.opts.onReceipt?.({ ...receipt, ...(outboundMessageId ? { outboundMessageId } : {}) });
    } catch {
      // A failing callback must not take the SMPP session down with it.
    }
  }
}

/**
 * Other spellings of a message id: some SMSCs answer submit_sm_resp in hex and write receipts in
 * decimal, or the other way round (Kannel's msg-id-type), and some pad with zeros.
 */
function alternateIds(id: string): string[] {
  const out: string[] = [];
  if (/^\d{1,30}$/.test(id)) out.push(BigInt(id).toString(16), BigInt(id).toString(16).toUpperCase(), BigInt(id).toString(10));
  if (/^[0-9a-f]{1,30}$/i.test(id)) out.push(BigInt(`0x${id}`).toString(10), id.toLowerCase(), id.toUpperCase(), id.replace(/^0+(?=.)/, ''));
  return out.filter((x) => x !== id);
}

/** E.164 without the plus, as SMPP wants it with TON 1 / NPI 1. */
function destinationAddress(to: string): string {
  const digits = to.replace(/^\+/, '');
  if (!/^[1-9]\d{5,14}$/.test(digits)) throw new DeliveryError('smpp: the destination is not an E.164 number', true);
  return digits;
}

function sourceAddress(addr: string, ton?: number, npi?: number): { addr: string; ton: number; npi: number } {
  const numeric = /^\+?\d+$/.test(addr);
  const digits = numeric ? addr.replace(/^\+/, '') : addr;
  const defaultTon = !numeric ? 5 : addr.startsWith('+') || digits.length > 8 ? 1 : 0;
  return { addr: digits, ton: ton ?? defaultTon, npi: npi ?? (numeric ? 1 : 0) };
}
