// Pure decisions over a verification record: no I/O, only (record, input, now) -> outcome.
import { OtpError } from './errors.js';
import type { CheckReason, Transition, VerificationRecord, VerificationStatus } from './types.js';

/** The status a caller sees: a pending verification past its expiry reads as `expired`. */
export function effectiveStatus(r: VerificationRecord, now: number): VerificationStatus {
  return r.status === 'pending' && now >= r.expiresAt ? 'expired' : r.status;
}

export function attemptsRemaining(r: VerificationRecord): number {
  return Math.max(0, r.maxAttempts - r.attempts);
}

/** Why an attempt could not be counted: the record is no longer open for checks. */
export function reasonNotCheckable(r: VerificationRecord, now: number): CheckReason {
  switch (effectiveStatus(r, now)) {
    case 'approved':
      return 'already_used';
    case 'canceled':
    case 'failed':
      return 'canceled';
    case 'max_attempts_reached':
      return 'max_attempts_reached';
    case 'expired':
      return 'expired';
    case 'pending':
      // Pending but refused: the attempt budget is spent.
      return 'max_attempts_reached';
  }
}

/**
 * Decides a check whose attempt has already been counted atomically (`r` is the row after counting):
 * the right code approves; a wrong code that spends the last attempt closes the verification.
 */
export function decideCheck(r: VerificationRecord, codeMatches: boolean): Transition | null {
  if (codeMatches) return 'approved';
  return r.attempts >= r.maxAttempts ? 'max_attempts_reached' : null;
}

/** The error for a send the store refused: not pending, out of sends, or too soon. */
export function resendRefusal(r: VerificationRecord, now: number, cooldownMs: number): OtpError {
  const status = effectiveStatus(r, now);
  if (status !== 'pending') {
    return new OtpError('verification_not_pending', `This verification is ${status}; start a new one.`);
  }
  if (r.sendCount >= r.maxSends) {
    return new OtpError('max_sends_reached', `The code was already sent ${r.sendCount} times, the most allowed for one verification.`);
  }
  const wait = Math.max(1, Math.ceil((r.lastSentAt + cooldownMs - now) / 1000));
  return new OtpError('resend_cooldown', `Wait ${wait} s before sending the code again.`, { retryAfter: wait });
}
