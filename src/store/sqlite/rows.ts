// Row <-> record mapping for the SQLite store.
import type { Account, ApiKeyRecord, Channel, CodeType, SendRecord, SendStatus, TemplateRecord, VerificationRecord, VerificationStatus } from '../../core/types.js';
import type { SigningKeyRecord } from '../types.js';

export interface VerificationRow {
  id: string;
  account_id: string;
  to_addr: string;
  channel: string;
  status: string;
  code_hash: Buffer;
  code_sealed: Buffer | null;
  code_type: string;
  code_length: number;
  attempts: number;
  max_attempts: number;
  send_count: number;
  max_sends: number;
  last_sent_at: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
  locale: string;
  template_id: string | null;
  sender: string | null;
  reference: string | null;
  metadata: string | null;
  sandbox: number;
}

export function toVerification(r: VerificationRow): VerificationRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    to: r.to_addr,
    channel: r.channel as Channel,
    status: r.status as VerificationStatus,
    codeHash: r.code_hash,
    codeSealed: r.code_sealed,
    codeType: r.code_type as CodeType,
    codeLength: r.code_length,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    sendCount: r.send_count,
    maxSends: r.max_sends,
    lastSentAt: r.last_sent_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    locale: r.locale,
    templateId: r.template_id,
    sender: r.sender,
    reference: r.reference,
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, string>),
    sandbox: r.sandbox === 1,
  };
}

export function fromVerification(v: VerificationRecord): VerificationRow {
  return {
    id: v.id,
    account_id: v.accountId,
    to_addr: v.to,
    channel: v.channel,
    status: v.status,
    code_hash: v.codeHash,
    code_sealed: v.codeSealed,
    code_type: v.codeType,
    code_length: v.codeLength,
    attempts: v.attempts,
    max_attempts: v.maxAttempts,
    send_count: v.sendCount,
    max_sends: v.maxSends,
    last_sent_at: v.lastSentAt,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
    expires_at: v.expiresAt,
    locale: v.locale,
    template_id: v.templateId,
    sender: v.sender,
    reference: v.reference,
    metadata: v.metadata === null ? null : JSON.stringify(v.metadata),
    sandbox: v.sandbox ? 1 : 0,
  };
}

export interface SendRow {
  id: number;
  verification_id: string;
  channel: string;
  provider: string | null;
  status: string;
  attempts: number;
  created_at: number;
  updated_at: number;
  error: string | null;
}

export function toSend(r: SendRow): SendRecord {
  return {
    id: r.id,
    verificationId: r.verification_id,
    channel: r.channel as Channel,
    provider: r.provider,
    status: r.status as SendStatus,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    error: r.error,
  };
}

export function toAccount(r: { id: string; name: string; app_name: string; webhook_url: string | null; webhook_secret: Buffer | null; created_at: number }): Account {
  return { id: r.id, name: r.name, appName: r.app_name, webhookUrl: r.webhook_url, webhookSecretSealed: r.webhook_secret, createdAt: r.created_at };
}

export function toApiKey(r: { id: string; account_id: string; key_hash: Buffer; prefix: string; sandbox: number; created_at: number; revoked_at: number | null }): ApiKeyRecord {
  return { id: r.id, accountId: r.account_id, keyHash: r.key_hash, prefix: r.prefix, sandbox: r.sandbox === 1, createdAt: r.created_at, revokedAt: r.revoked_at };
}

export function toTemplate(r: { id: string; account_id: string; channel: string; locale: string; body: string; created_at: number }): TemplateRecord {
  return { id: r.id, accountId: r.account_id, channel: r.channel as Channel, locale: r.locale, body: r.body, createdAt: r.created_at };
}

export function toSigningKey(r: { kid: string; alg: string; public_jwk: string; private_sealed: Buffer; created_at: number; state: string }): SigningKeyRecord {
  return { kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateSealed: r.private_sealed, createdAt: r.created_at, state: r.state as SigningKeyRecord['state'] };
}
