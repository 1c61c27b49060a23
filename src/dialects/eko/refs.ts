// client_ref_id bindings: which verification (and mobile) a client's reference names, kept in the shared dialect state.
import type { Store } from '../../store/types.js';
import { DIALECT } from './auth.js';

const KIND = 'ref';

/**
 * A binding outlives its verification by a day, so a verify after expiry still finds the
 * verification and answers "OTP expired" (303) rather than "OTP not found".
 */
export const REF_GRACE_MS = 24 * 60 * 60 * 1000;

export interface RefBinding {
  /** Verification id. */
  v: string;
  /** The 10-digit mobile it was sent to. */
  m: string;
  /** Eko's intent_id of the send (1 = mobile verification). */
  i: number;
}

function parse(value: string): RefBinding | null {
  try {
    const b = JSON.parse(value) as Partial<RefBinding>;
    return typeof b.v === 'string' && typeof b.m === 'string' && typeof b.i === 'number' ? (b as RefBinding) : null;
  } catch {
    return null;
  }
}

export class RefBook {
  constructor(private readonly store: Store) {}

  /** The live binding of `ref` in this account, or null. */
  async get(accountId: string, ref: string, now: number): Promise<RefBinding | null> {
    const s = await this.store.dialects.getState(DIALECT, accountId, KIND, ref, now);
    return s ? parse(s.value) : null;
  }

  /**
   * Binds `ref` to a verification. A reference already bound to another mobile is refused (false);
   * one bound to an older verification of the same mobile moves to the new one (a fresh flow after
   * the old one ended). The insert is atomic, so two racing sends cannot both claim a new reference.
   */
  async bind(accountId: string, ref: string, b: RefBinding, expiresAt: number, now: number): Promise<boolean> {
    const entry = { dialect: DIALECT, accountId, kind: KIND, key: ref, value: JSON.stringify(b), expiresAt };
    if (await this.store.dialects.putStateIfAbsent(entry, now)) return true;
    const current = await this.get(accountId, ref, now);
    if (current && current.m !== b.m) return false;
    if (!current || current.v !== b.v || current.i !== b.i) await this.store.dialects.putState(entry);
    return true;
  }

  /** Spends the binding after a successful verify: the OTP flow it named is single use. */
  async spend(accountId: string, ref: string, now: number): Promise<void> {
    await this.store.dialects.takeState(DIALECT, accountId, KIND, ref, now);
  }
}
