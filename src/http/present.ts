// Records -> wire views of the native API (snake_case, ISO times).
import type { CheckResult, VerificationResult } from '../core/engine.js';
import type { TemplateRecord } from '../core/types.js';
import { attemptsRemaining, effectiveStatus } from '../core/verification.js';
import { isoTime } from '../core/iso-time.js';

const iso = isoTime;

export function verificationView({ record: r, sends, code }: VerificationResult, now: number) {
  return {
    id: r.id,
    status: effectiveStatus(r, now),
    to: r.to,
    channel: r.channel,
    locale: r.locale,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    expires_at: iso(r.expiresAt),
    attempts_remaining: attemptsRemaining(r),
    sends: sends.map((s) => ({ channel: s.channel, provider: s.provider, at: iso(s.createdAt), status: s.status, ...(s.error ? { error: s.error } : {}) })),
    reference: r.reference,
    metadata: r.metadata,
    payload: r.payload ?? null,
    sandbox: r.sandbox,
    ...(code !== undefined ? { code } : {}),
  };
}

export function checkView(c: CheckResult, now: number) {
  return {
    id: c.id,
    status: effectiveStatus(c.record, now),
    valid: c.valid,
    reason: c.reason,
    attempts_remaining: c.attemptsRemaining,
    ...(c.token ? { token: c.token, token_expires_at: iso(c.tokenExpiresAt!) } : {}),
  };
}

export function templateView(t: TemplateRecord) {
  return { id: t.id, channel: t.channel, locale: t.locale, body: t.body, created_at: iso(t.createdAt) };
}
