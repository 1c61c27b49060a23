// The names of the compatible dialects, kept apart so the config schema can list them without loading them.
export const DIALECT_NAMES = ['twilio', 'd7', 'getotp', 'eko', 'paytm', 'snap'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];
