// Delivery receipts: reads a deliver_sm receipt (TLVs or the `id:… stat:…` text) into a final status.
import type { PDU } from 'smpp';

export type ReceiptStatus = 'delivered' | 'undeliverable' | 'failed';

export interface Receipt {
  /** The SMSC's message_id, as the receipt gives it. */
  messageId: string;
  status: ReceiptStatus;
  /** Why it was not delivered: the stat and err fields, e.g. `UNDELIV (err 001)`. Never the message text. */
  error?: string;
}

/** esm_class message-type bits (2–5) and the value for an SMSC delivery receipt. */
const ESM_TYPE_MASK = 0x3c;
const ESM_TYPE_RECEIPT = 0x04;

/** Final stat values of the receipt text; ACCEPTD and ENROUTE are not final and are left out. */
const BY_STAT: Readonly<Record<string, ReceiptStatus>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undeliverable',
  REJECTD: 'undeliverable',
  EXPIRED: 'failed',
  DELETED: 'failed',
  UNKNOWN: 'failed',
};

/** The message_state TLV (SMPP 3.4 §5.2.28) as the equivalent stat text. */
const STATE_AS_STAT: Readonly<Record<number, string>> = {
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/** The receipt in `pdu`, or null when it is no receipt, names no message, or is not final. */
export function parseReceipt(pdu: PDU): Receipt | null {
  const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
  if ((esmClass & ESM_TYPE_MASK) !== ESM_TYPE_RECEIPT) return null;
  const fields = receiptFields(messageText(pdu.short_message) || messageText(pdu.message_payload));
  const tlvId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id.trim() : '';
  const messageId = tlvId || fields.id;
  const tlvStat = typeof pdu.message_state === 'number' ? STATE_AS_STAT[pdu.message_state] : undefined;
  const stat = tlvStat ?? fields.stat;
  const status = stat ? BY_STAT[stat] : undefined;
  if (!messageId || !stat || !status) return null;
  if (status === 'delivered') return { messageId, status };
  return { messageId, status, error: fields.err && !/^0+$/.test(fields.err) ? `${stat} (err ${fields.err})` : stat };
}

/**
 * The id, stat and err fields of the de-facto receipt format (SMPP 3.4 appendix B):
 * `id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…`.
 * Only what precedes `text:` is read, since that is the start of the message (and may hold the code).
 */
export function receiptFields(text: string): { id?: string; stat?: string; err?: string } {
  const head = text.split(/\btext:/i)[0] ?? '';
  return {
    id: /(?:^|\s)id:(\S+)/i.exec(head)?.[1],
    stat: /(?:^|\s)stat:([A-Za-z]+)/i.exec(head)?.[1]?.toUpperCase(),
    err: /(?:^|\s)err:([A-Za-z0-9]{1,10})\b/i.exec(head)?.[1],
  };
}

/** short_message / message_payload as the smpp library decodes them: a Buffer, or `{ message, udh? }`. */
function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (value && typeof value === 'object' && 'message' in value) return messageText((value as { message: unknown }).message);
  return '';
}
