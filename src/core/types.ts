// Core domain types shared by the engine, the store contract and the bindings.
import type { AccountSettings } from './account-settings.js';

export const CHANNELS = ['sms', 'voice', 'whatsapp', 'email', 'webhook', 'console'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CODE_TYPES = ['numeric', 'alpha', 'alphanumeric'] as const;
export type CodeType = (typeof CODE_TYPES)[number];

export const VERIFICATION_STATUSES = ['pending', 'approved', 'canceled', 'expired', 'max_attempts_reached', 'failed'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** Status of one send attempt; `sandbox` marks a send that a sandbox key skipped on purpose. */
export const SEND_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'undeliverable', 'sandbox'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];

/** The ways a check can close a pending verification. */
export type Transition = 'approved' | 'max_attempts_reached';

export const CHECK_REASONS = ['approved', 'incorrect_code', 'expired', 'max_attempts_reached', 'already_used', 'canceled'] as const;
export type CheckReason = (typeof CHECK_REASONS)[number];

/** A verification as the store holds it. Times are epoch milliseconds. */
export interface VerificationRecord {
  id: string;
  accountId: string;
  to: string;
  channel: Channel;
  status: VerificationStatus;
  /** HMAC-SHA256(secret, id + code): the only form in which the code can be checked. */
  codeHash: Buffer;
  /** AES-GCM sealed code, kept only while pending so the worker can deliver and resends reuse it. */
  codeSealed: Buffer | null;
  codeType: CodeType;
  codeLength: number;
  attempts: number;
  maxAttempts: number;
  sendCount: number;
  maxSends: number;
  lastSentAt: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  locale: string;
  templateId: string | null;
  sender: string | null;
  reference: string | null;
  metadata: Record<string, string> | null;
  sandbox: boolean;
  /** The app name the message names, when the create call overrode the account's (Twilio's CustomFriendlyName). */
  appName: string | null;
  /** A message body for this verification only, with {code} (and optionally {app}, {minutes}). */
  message: string | null;
  /** Opaque JSON the create call supplied; echoed in event webhooks, never interpreted. */
  payload: unknown;
}

/** One send of a verification's code: the outbox row and the delivery log at once. */
export interface SendRecord {
  id: number;
  verificationId: string;
  channel: Channel;
  provider: string | null;
  status: SendStatus;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  error: string | null;
}

export interface Account {
  id: string;
  name: string;
  appName: string;
  webhookUrl: string | null;
  /** Sealed webhook signing secret (whsec_…); opened only by the delivery worker. */
  webhookSecretSealed: Buffer | null;
  createdAt: number;
  /** Per-account settings (channel fallbacks, …); absent means the defaults. */
  settings?: AccountSettings;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  /** HMAC-SHA256(secret, key); the key itself is shown once and never stored. */
  keyHash: Buffer;
  prefix: string;
  sandbox: boolean;
  createdAt: number;
  revokedAt: number | null;
  /** What the key may do: `verifications`, `admin` (templates, webhooks), `risk_override`. */
  scopes: Scope[];
  /** Last time the key authenticated a request, to the minute; null if never. */
  lastUsedAt: number | null;
}

export const SCOPES = ['verifications', 'admin', 'risk_override'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TemplateRecord {
  id: string;
  accountId: string;
  channel: Channel;
  locale: string;
  body: string;
  createdAt: number;
}
