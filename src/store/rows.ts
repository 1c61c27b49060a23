// Row <-> record mapping shared by the SQL stores. SQLite gives numbers, 0/1 and JSON text;
// PostgreSQL gives bigint as strings, booleans and parsed jsonb: the readers accept both.
import type { Scope } from '../core/types.js';
import type { Account, ApiKeyRecord, Channel, CodeType, SendRecord, SendStatus, TemplateRecord, VerificationRecord, VerificationStatus } from '../core/types.js';
import type { AccountSettings } from '../core/account-settings.js';
import type { PrefixBlock } from './guard-types.js';
import type { SigningKeyRecord } from './types.js';

export type Num = number | string;
export type Bool = number | boolean;
export const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: Num | null): number | null => (v === null ? null : num(v));
export const bool = (v: Bool): boolean => v === true || v === 1;

export interface VerificationRow {
  id: string;
  account_id: string;
  to_addr: string;
  channel: string;
  status: string;
  code_hash: Buffer;
  code_sealed: Buffer | null;
  code_type: string;
  code_length: Num;
  attempts: Num;
  max_attempts: Num;
  send_count: Num;
  max_sends: Num;
  last_sent_at: Num;
  created_at: Num;
  updated_at: Num;
  expires_at: Num;
  locale: string;
  template_id: string | null;
  sender: string | null;
  reference: string | null;
  metadata: string | Record<string, string> | null;
  sandbox: Bool;
  app_name: string | null;
  message: string | null;
  payload: string | null;
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
    codeLength: num(r.code_length),
    attempts: num(r.attempts),
    maxAttempts: num(r.max_attempts),
    sendCount: num(r.send_count),
    maxSends: num(r.max_sends),
    lastSentAt: num(r.last_sent_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    expiresAt: num(r.expires_at),
    locale: r.locale,
    templateId: r.template_id,
    sender: r.sender,
    reference: r.reference,
    metadata: r.metadata === null ? null : typeof r.metadata === 'string' ? (JSON.parse(r.metadata) as Record<string, string>) : r.metadata,
    sandbox: bool(r.sandbox),
    appName: r.app_name ?? null,
    message: r.message ?? null,
    payload: r.payload === null || r.payload === undefined ? null : (JSON.parse(r.payload) as unknown),
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
    app_name: v.appName,
    message: v.message,
    payload: v.payload === null || v.payload === undefined ? null : JSON.stringify(v.payload),
  };
}

/** Every column of a verification row, in one fixed order for statements that bind by position. */
export const VERIFICATION_COLUMNS = [
  'id', 'account_id', 'to_addr', 'channel', 'status', 'code_hash', 'code_sealed', 'code_type', 'code_length', 'attempts', 'max_attempts',
  'send_count', 'max_sends', 'last_sent_at', 'created_at', 'updated_at', 'expires_at', 'locale', 'template_id', 'sender', 'reference',
  'metadata', 'sandbox', 'app_name', 'message', 'payload',
] as const satisfies ReadonlyArray<keyof VerificationRow>;

/** VERIFICATION_COLUMNS with the code material read as NULL, for a check's answer (see `Store.attempt`). */
export const CHECKED_COLUMNS = VERIFICATION_COLUMNS.map((c) => (c === 'code_hash' || c === 'code_sealed' ? `NULL AS ${c}` : c)).join(', ');

/**
 * A verification row from a statement in raw mode selecting VERIFICATION_COLUMNS in order: an array
 * is several times cheaper for better-sqlite3 to hand over than an object with 26 properties. Spelled
 * out as one literal (not a loop over the names) so every row has one shape and no keyed stores.
 */
export function verificationRowOf(v: readonly unknown[]): VerificationRow {
  return {
    id: v[0], account_id: v[1], to_addr: v[2], channel: v[3], status: v[4], code_hash: v[5], code_sealed: v[6], code_type: v[7],
    code_length: v[8], attempts: v[9], max_attempts: v[10], send_count: v[11], max_sends: v[12], last_sent_at: v[13], created_at: v[14],
    updated_at: v[15], expires_at: v[16], locale: v[17], template_id: v[18], sender: v[19], reference: v[20], metadata: v[21],
    sandbox: v[22], app_name: v[23], message: v[24], payload: v[25],
  } as VerificationRow;
}

/** A row's values in VERIFICATION_COLUMNS order, to bind by position. */
export function verificationValues(r: VerificationRow): unknown[] {
  return [
    r.id, r.account_id, r.to_addr, r.channel, r.status, r.code_hash, r.code_sealed, r.code_type, r.code_length, r.attempts, r.max_attempts,
    r.send_count, r.max_sends, r.last_sent_at, r.created_at, r.updated_at, r.expires_at, r.locale, r.template_id, r.sender, r.reference,
    r.metadata, r.sandbox, r.app_name, r.message, r.payload,
  ];
}

// A column added to VerificationRow but not to the list above fails to compile here.
type Missing = Exclude<keyof VerificationRow, (typeof VERIFICATION_COLUMNS)[number]>;
const allColumnsListed: [Missing] extends [never] ? true : Missing = true;
void allColumnsListed;

export interface SendRow {
  id: Num;
  verification_id: string;
  channel: string;
  provider: string | null;
  status: string;
  attempts: Num;
  created_at: Num;
  updated_at: Num;
  error: string | null;
}

export function toSend(r: SendRow): SendRecord {
  return {
    id: num(r.id),
    verificationId: r.verification_id,
    channel: r.channel as Channel,
    provider: r.provider,
    status: r.status as SendStatus,
    attempts: num(r.attempts),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    error: r.error,
  };
}

export function toAccount(r: {
  id: string;
  name: string;
  app_name: string;
  webhook_url: string | null;
  webhook_secret: Buffer | null;
  created_at: Num;
  settings?: string | null;
}): Account {
  return {
    id: r.id,
    name: r.name,
    appName: r.app_name,
    webhookUrl: r.webhook_url,
    webhookSecretSealed: r.webhook_secret,
    createdAt: num(r.created_at),
    settings: r.settings ? (JSON.parse(r.settings) as AccountSettings) : {},
  };
}

export function toApiKey(r: {
  id: string;
  account_id: string;
  key_hash: Buffer;
  prefix: string;
  sandbox: Bool;
  created_at: Num;
  revoked_at: Num | null;
  scopes: string;
  last_used_at: Num | null;
}): ApiKeyRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    keyHash: r.key_hash,
    prefix: r.prefix,
    sandbox: bool(r.sandbox),
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
    scopes: r.scopes.split(',').filter(Boolean) as Scope[],
    lastUsedAt: numOrNull(r.last_used_at),
  };
}

export function toTemplate(r: { id: string; account_id: string; channel: string; locale: string; body: string; created_at: Num }): TemplateRecord {
  return { id: r.id, accountId: r.account_id, channel: r.channel as Channel, locale: r.locale, body: r.body, createdAt: num(r.created_at) };
}

export function toSigningKey(r: { kid: string; alg: string; public_jwk: string; private_sealed: Buffer; created_at: Num; state: string }): SigningKeyRecord {
  return { kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateSealed: r.private_sealed, createdAt: num(r.created_at), state: r.state as SigningKeyRecord['state'] };
}

/** `text` for a LIKE pattern, with its wildcards escaped. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface BlockRow {
  account_id: string;
  prefix: string;
  until: Num;
  reason: string;
  created_at: Num;
}

export function toBlock(r: BlockRow): PrefixBlock {
  return { accountId: r.account_id, prefix: r.prefix, until: num(r.until), reason: r.reason, createdAt: num(r.created_at) };
}
