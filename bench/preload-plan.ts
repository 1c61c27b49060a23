// The shape of the preloaded data, shared by the SQLite and PostgreSQL loaders.

/** What both loaders write, so SQLite and PostgreSQL hold the same data (the mixes are in MIX). */
export interface Plan {
  n: number;
  accountId: string;
  /** created_at of row i is fromMs + floor(i * spanMs / n): ids and times ascend with i. */
  fromMs: number;
  spanMs: number;
  ttlMs: number;
  /** Distinct recipients of closed verifications: row i goes to recipient (i * RECIPIENT_STEP) % recipients. */
  recipients: number;
}

/**
 * Row i: pending (already expired) when i % pendingEvery == pendingAt, else by a uniform r: approved below
 * `approved`, expired below `expired`, canceled below `canceled`, max_attempts_reached above. Channel by
 * another uniform: sms below `sms`, whatsapp below `whatsapp`, voice above. Recipients: 70 % US (10 area
 * codes, never the bench client's 415), 15 % UK mobile, 15 % India mobile; pending rows get their own
 * +1312 numbers (PostgreSQL allows one pending verification per recipient).
 */
export const MIX = {
  pendingEvery: 1000,
  pendingAt: 500,
  approved: 0.87,
  expired: 0.95,
  canceled: 0.975,
  sms: 0.9,
  whatsapp: 0.97,
  areas: ['212', '646', '718', '917', '202', '305', '617', '702', '206', '512'],
  providers: { sms: 'twilio', whatsapp: 'whatsapp-cloud', voice: 'twilio-voice' },
} as const;
export const RECIPIENT_STEP = 1_000_003;
