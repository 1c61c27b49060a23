// Per-verification D7 settings (retry delay and count, postback URLs), kept in the shared dialect state so every node sees them.
import type { Store } from '../../store/types.js';
import { D7_DEFAULTS } from './wire.js';

const DIALECT = 'd7';
const KIND = 'otp';
/** Kept a while past the code's expiry: late delivery failures and reports still find them. */
const KEEP_AFTER_EXPIRY_MS = 60 * 60 * 1000;

export interface OtpSettings {
  retryDelay: number;
  retryCount: number;
  successUrl?: string;
  failureUrl?: string;
  originator?: string;
}

/** What an otp_id made through another binding (the native API) is held to: D7's defaults. */
export const DEFAULT_SETTINGS: Readonly<OtpSettings> = Object.freeze({ retryDelay: D7_DEFAULTS.retryDelay, retryCount: D7_DEFAULTS.retryCount });

/** The marker a D7-created verification carries in its payload, so delivery events know to look for postback URLs. */
export const PAYLOAD_MARK = Object.freeze({ dialect: 'd7' });

/** True when the verification's payload says it was created through this dialect. */
export function isD7Payload(payload: unknown): boolean {
  return !!payload && typeof payload === 'object' && (payload as Record<string, unknown>)['dialect'] === 'd7';
}

export class OtpState {
  constructor(private readonly store: Store) {}

  /** Records the settings of the latest send-otp for a verification (a repeated send-otp overwrites them). */
  async put(accountId: string, verId: string, s: OtpSettings, expiresAt: number): Promise<void> {
    await this.store.dialects.putState({
      dialect: DIALECT,
      accountId,
      kind: KIND,
      key: verId,
      value: JSON.stringify(s),
      expiresAt: expiresAt + KEEP_AFTER_EXPIRY_MS,
    });
  }

  /** The settings of a verification, or null when none were recorded. */
  async get(accountId: string, verId: string, now: number): Promise<OtpSettings | null> {
    const row = await this.store.dialects.getState(DIALECT, accountId, KIND, verId, now);
    if (!row) return null;
    try {
      return { ...DEFAULT_SETTINGS, ...(JSON.parse(row.value) as Partial<OtpSettings>) };
    } catch {
      return null;
    }
  }
}
