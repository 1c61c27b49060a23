// Verification defaults and bounds, declared exactly once; config and request values resolve against these.

export const POLICY_BOUNDS = {
  codeLength: { min: 4, max: 10 },
  ttlSeconds: { min: 30, max: 86_400 },
  maxAttempts: { min: 1, max: 20 },
  maxSends: { min: 1, max: 20 },
  resendCooldownSeconds: { min: 0, max: 3_600 },
} as const;

export interface VerificationPolicy {
  codeLength: number;
  codeType: 'numeric' | 'alpha' | 'alphanumeric';
  ttlSeconds: number;
  maxAttempts: number;
  maxSends: number;
  resendCooldownSeconds: number;
  locale: string;
}

export const DEFAULT_POLICY: Readonly<VerificationPolicy> = Object.freeze({
  codeLength: 6,
  codeType: 'numeric',
  ttlSeconds: 600,
  maxAttempts: 5,
  maxSends: 5,
  resendCooldownSeconds: 30,
  locale: 'en',
});

/** Lifetime of a proof token issued on approval. */
export const DEFAULT_TOKEN_TTL_SECONDS = 300;

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
