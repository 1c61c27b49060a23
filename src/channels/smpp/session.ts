// The one SMPP connection: binds as a transceiver, keeps the link alive, rebinds with backoff when it drops.
import smpp, { type PDU, type Session } from 'smpp';
import { DeliveryError } from '../types.js';
import { describeStatus, ESME_RINVCMDID, isAuthFailure } from './status.js';

export interface SessionOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  enquireLinkMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Limit for connect + bind, and for each answer the SMSC owes us. */
  timeoutMs: number;
  /** Called with every deliver_sm, after it has been acknowledged. */
  onDeliverSm(pdu: PDU): void;
}

/** One TCP connection and what is outstanding on it. */
export interface Link {
  session: Session;
  bound: boolean;
  /** Fails each request still waiting for its answer on this connection. */
  readonly pending: Set<(e: DeliveryError) => void>;
  keepAlive: NodeJS.Timeout | null;
  enquiring: boolean;
}

interface BindWaiter {
  resolve(link: Link): void;
  reject(e: DeliveryError): void;
}

/** SMPP 3.4, sent as interface_version in the bind. */
const INTERFACE_VERSION = 0x34;

export class SmppSession {
  private link: Link | null = null;
  private started = false;
  private closed = false;
  /** Connection attempts since the last successful bind; drives the backoff. */
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Why we are not bound, for the error a waiting send ends with. */
  private problem = 'not connected yet';
  /** Set while the SMSC's last answer to our bind was "wrong credentials": sends fail at once, for good. */
  private refused: DeliveryError | null = null;
  private readonly waiters = new Set<BindWaiter>();

  constructor(private readonly opts: SessionOptions) {}

  /** Connects and binds now, rather than on the first send. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connect();
  }

  get isBound(): boolean {
    return this.link?.bound === true;
  }

  /**
   * The bound connection, waiting for the (re)bind until `deadline`: then a transient error. Fails at
   * once, permanently, while the SMSC refuses our credentials.
   */
  bound(deadline: number): Promise<Link> {
    if (this.closed) return Promise.reject(closedError());
    if (this.link?.bound) return Promise.resolve(this.link);
    if (this.refused) return Promise.reject(this.refused);
    this.start();
    const waitedMs = Math.max(0, deadline - Date.now());
    return new Promise((resolve, reject) => {
      const waiter: BindWaiter = {
        resolve: (link) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(link);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(e);
        },
      };
      const timer = setTimeout(() => waiter.reject(new DeliveryError(`smpp: not bound to the SMSC within ${waitedMs} ms (${this.problem})`, false)), waitedMs);
      this.waiters.add(waiter);
    });
  }

  /** Sends a request on `link` and resolves with its response PDU (any command_status); transient errors on timeout or a lost connection. */
  request(link: Link, command: string, params: Record<string, unknown>, timeoutMs = this.opts.timeoutMs): Promise<PDU> {
    return new Promise((resolve, reject) => {
      const settle = (e: DeliveryError | null, pdu?: PDU): void => {
        if (!link.pending.delete(fail)) return;
        clearTimeout(timer);
        if (e) reject(e);
        else resolve(pdu!);
      };
      const fail = (e: DeliveryError): void => settle(e);
      link.pending.add(fail);
      const timer = setTimeout(() => settle(new DeliveryError(`smpp: no ${command}_resp from the SMSC within ${timeoutMs} ms`, false)), timeoutMs);
      const sent = link.session.send(new smpp.PDU(command, params), (pdu) => settle(null, pdu));
      if (!sent) settle(new DeliveryError('smpp: the connection to the SMSC is not writable', false));
    });
  }

  /** Unbinds (waiting briefly for the answer), closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const w of [...this.waiters]) w.reject(closedError());
    const link = this.link;
    if (!link) return;
    if (link.bound) {
      link.bound = false;
      await this.request(link, 'unbind', {}, Math.min(this.opts.timeoutMs, 5_000)).catch(() => undefined);
    }
    const socket = link.session.socket;
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      link.session.close();
      // An SMSC that never closes its side must not hold shutdown.
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.closed) return;
    const session = smpp.connect({ host: this.opts.host, port: this.opts.port });
    const link: Link = { session, bound: false, pending: new Set(), keepAlive: null, enquiring: false };
    this.link = link;
    const giveUp = setTimeout(() => {
      this.problem = `no bind within ${this.opts.timeoutMs} ms`;
      session.destroy();
    }, this.opts.timeoutMs);
    session.on('connect', () => {
      session.socket.setKeepAlive(true, 30_000);
      void this.bind(link, giveUp);
    });
    session.on('error', (e: NodeJS.ErrnoException) => {
      this.problem = `connection error: ${e.code ?? e.message}`;
      session.destroy();
    });
    session.on('close', () => {
      clearTimeout(giveUp);
      this.onClose(link);
    });
    session.on('pdu', (pdu: PDU) => this.onPdu(link, pdu));
  }

  private async bind(link: Link, giveUp: NodeJS.Timeout): Promise<void> {
    const o = this.opts;
    let resp: PDU;
    try {
      resp = await this.request(link, 'bind_transceiver', { system_id: o.systemId, password: o.password, system_type: o.systemType, interface_version: INTERFACE_VERSION });
    } catch {
      this.problem = 'no answer to bind_transceiver';
      link.session.destroy();
      return;
    }
    clearTimeout(giveUp);
    if (resp.command_status !== 0) {
      const why = describeStatus(resp.command_status);
      this.problem = `bind refused: ${why}`;
      if (isAuthFailure(resp.command_status)) {
        this.refused = new DeliveryError(`smpp: the SMSC refused the bind (${why}); check systemId and password`, true);
        for (const w of [...this.waiters]) w.reject(this.refused);
      }
      link.session.destroy();
      return;
    }
    if (this.closed || this.link !== link) return;
    link.bound = true;
    this.failures = 0;
    this.refused = null;
    this.problem = 'connection lost';
    link.keepAlive = setTimeout(() => this.enquire(link), o.enquireLinkMs);
    link.keepAlive.unref();
    for (const w of [...this.waiters]) w.resolve(link);
  }

  /** Sent after enquireLinkMs without any PDU from the SMSC; no answer within timeoutMs means the link is dead. */
  private enquire(link: Link): void {
    link.keepAlive?.refresh();
    if (!link.bound || link.enquiring) return;
    link.enquiring = true;
    this.request(link, 'enquire_link', {}).then(
      () => {
        link.enquiring = false;
      },
      () => {
        this.problem = 'enquire_link unanswered';
        link.session.destroy();
      },
    );
  }

  private onPdu(link: Link, pdu: PDU): void {
    link.keepAlive?.refresh();
    if (pdu.isResponse()) return; // the library hands responses to the request's callback
    const session = link.session;
    switch (pdu.command) {
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'deliver_sm':
        session.send(pdu.response({ message_id: '' }));
        try {
          this.opts.onDeliverSm(pdu);
        } catch {
          // Thrown here it would escape the library's socket handler and take the process down.
        }
        return;
      case 'unbind':
        link.bound = false;
        this.problem = 'the SMSC unbound';
        session.send(pdu.response());
        session.close();
        return;
      case 'alert_notification':
        return; // has no response
      default:
        session.send(new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: ESME_RINVCMDID }));
    }
  }

  private onClose(link: Link): void {
    link.bound = false;
    if (link.keepAlive) clearTimeout(link.keepAlive);
    for (const fail of [...link.pending]) fail(new DeliveryError('smpp: the connection to the SMSC closed before it answered', false));
    if (this.link !== link) return;
    this.link = null;
    if (this.closed) return;
    // Exponential backoff from reconnectMinMs to reconnectMaxMs, with up to 20% jitter so nodes spread out.
    const base = this.opts.reconnectMinMs * 2 ** Math.min(this.failures, 30);
    const delay = Math.min(this.opts.reconnectMaxMs, base * (1 + 0.2 * Math.random()));
    this.failures++;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }
}

function closedError(): DeliveryError {
  return new DeliveryError('smpp: the provider is closed', false);
}
