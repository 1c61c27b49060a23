// The one-statement code check both SQL stores run (count, compare, transition), and how its result reads.
import type { VerificationRecord } from '../core/types.js';
import type { AttemptResult } from './types.js';

/**
 * The SET list of the check's UPDATE, `decideCheck`'s rule in SQL: the right code approves (even on
 * the last attempt); a wrong one that spends the last attempt closes it; a closed one loses its sealed
 * code. `now` and `hash` are the statement's placeholders or columns (`hash` appears twice).
 */
export function checkSet(now: string, hash: string): string {
  return `attempts = attempts + 1,
    updated_at = ${now},
    status = CASE WHEN code_hash = ${hash} THEN 'approved' WHEN attempts + 1 >= max_attempts THEN 'max_attempts_reached' ELSE status END,
    code_sealed = CASE WHEN code_hash = ${hash} OR attempts + 1 >= max_attempts THEN NULL ELSE code_sealed END`;
}

/** The rows a check may count: pending, unexpired at `now`, under their cap. */
export function checkable(now: string): string {
  return `status = 'pending' AND expires_at > ${now} AND attempts < max_attempts`;
}

/** A counted check as that UPDATE left it: the status it set is the transition. */
export function countedCheck(record: VerificationRecord): AttemptResult {
  return { counted: true, record, transition: record.status === 'approved' || record.status === 'max_attempts_reached' ? record.status : null };
}

/** The empty code hash a check's record carries (see `Store.attempt`); zero bytes, so nothing can be written into it. */
const NO_CODE_HASH = Buffer.alloc(0);

/** `record` without its code material, as a check answers it (see `Store.attempt`). */
export function withoutCode(record: VerificationRecord): VerificationRecord {
  record.codeHash = NO_CODE_HASH;
  record.codeSealed = null;
  return record;
}
