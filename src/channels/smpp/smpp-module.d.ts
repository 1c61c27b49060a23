// Types for the parts of the `smpp` npm package (node-smpp 0.5, which ships none) that otpd uses.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  /** A decoded PDU: header fields, the command's mandatory parameters and any TLVs, by their spec names. */
  export interface PDU {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    /** The matching `<command>_resp` (or generic_nack for an unknown command), with this PDU's sequence number. */
    response(options?: Record<string, unknown>): PDU;
  }

  export interface PDUConstructor {
    new (command: string, options?: Record<string, unknown>): PDU;
  }

  type ResponseCallback = (pdu: PDU) => void;
  type Shortcut = (options?: Record<string, unknown>, responseCallback?: ResponseCallback) => boolean;

  /** One SMPP connection; emits `connect`, `close`, `error`, `pdu` and one event per command name. */
  export interface Session extends EventEmitter {
    readonly socket: Socket;
    /** False (and nothing sent) when the socket is not writable. */
    send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    bind_transceiver: Shortcut;
    submit_sm: Shortcut;
    deliver_sm: Shortcut;
    enquire_link: Shortcut;
    unbind: Shortcut;
  }

  export interface Server extends NetServer {
    readonly sessions: Session[];
  }

  interface Smpp {
    connect(options: { host: string; port: number }): Session;
    createServer(listener?: (session: Session) => void): Server;
    PDU: PDUConstructor;
    /** Command status names (ESME_ROK, ESME_RTHROTTLED, …) to their values. */
    errors: Record<string, number>;
  }

  const smpp: Smpp;
  export default smpp;
}
