// SMPP command_status values: their names for error texts, and which refusals are worth retrying.
import smpp from 'smpp';

const NAMES = new Map<number, string>(Object.entries(smpp.errors).map(([name, code]) => [code, name]));

export const ESME_ROK = 0x00;
export const ESME_RINVCMDID = 0x03;

/** What an operator can act on, for the statuses we name in errors. */
const HINTS: Record<number, string> = {
  0x01: 'message length is invalid',
  0x08: 'SMSC system error',
  0x0a: 'invalid source address: check sourceAddr, sourceTon and sourceNpi',
  0x0b: 'invalid destination address',
  0x0d: 'bind failed',
  0x0e: 'invalid password',
  0x0f: 'invalid system_id',
  0x14: 'SMSC message queue full',
  0x58: 'throttled: lower throughputPerSecond or windowSize',
};

/**
 * Refusals the SMSC will repeat for this message, number or account: bad destination or source
 * address, TON/NPI, length, esm_class or data_coding, and rejected credentials (a configuration error,
 * permanent so the send is not retried against it). Everything else, unknown statuses included, is
 * retried: throttling (0x58), a full queue (0x14), a system error (0x08), a generic bind failure (0x0D,
 * which SMSCs also answer when a previous session still holds the account's bind slot).
 */
const PERMANENT = new Set([
  0x01, // ESME_RINVMSGLEN
  0x0a, // ESME_RINVSRCADR
  0x0b, // ESME_RINVDSTADR
  0x0e, // ESME_RINVPASWD
  0x0f, // ESME_RINVSYSID
  0x43, // ESME_RINVESMCLASS
  0x48, // ESME_RINVSRCTON
  0x49, // ESME_RINVSRCNPI
  0x50, // ESME_RINVDSTTON
  0x51, // ESME_RINVDSTNPI
  0x104, // ESME_RINVDCS
]);

/** Bind answers that mean the credentials are wrong. */
const AUTH_FAILURES = new Set([0x0e, 0x0f]);

export function isPermanentStatus(status: number): boolean {
  return PERMANENT.has(status);
}

export function isAuthFailure(status: number): boolean {
  return AUTH_FAILURES.has(status);
}

/** `ESME_RTHROTTLED (0x58): throttled: …`, or the bare hex value for a status we do not know. */
export function describeStatus(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(2, '0')}`;
  const name = NAMES.get(status);
  const hint = HINTS[status];
  return `${name ? `${name} (${hex})` : `status ${hex}`}${hint ? `: ${hint}` : ''}`;
}
