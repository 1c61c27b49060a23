// Legacy GetOTP sessions (hosted OTP page): creation, per-channel verifications, status, completion and the callback.
import type { Caller } from '../../core/engine.js';
import { OtpError } from '../../core/errors.js';
import type { VerificationRecord } from '../../core/types.js';
import type { DialectContext } from '../types.js';
import { fail } from './errors.js';
import { randomAlnum } from './ids.js';
import { legacyTime, type LegacyChannel, type LegacyCreate } from './legacy-wire.js';

const DIALECT = 'getotp';
/**
 * The hosted page knows only the otp_id from its URL, so sessions live in one namespace rather than
 * under an account; each carries its account id, and every API read checks it against the caller.
 */
const SHARED = '*';
const KIND = { session: 'legacy', binding: 'legacy-ver', done: 'legacy-done' } as const;
/** A session can be looked up (status, page) this long after it was made; its verifications expire much sooner. */
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export interface LegacySession extends LegacyCreate {
  otpId: string;
  accountId: string;
  sandbox: boolean;
  /** The otp_secret, sealed: the callback has to send it in clear. */
  secretSealed: string;
  createdAt: number;
}

/** Creates a session; returns it with its otp_secret in clear, shown to the API caller once. */
export async function createSession(ctx: DialectContext, caller: Caller, req: LegacyCreate): Promise<{ session: LegacySession; secret: string }> {
  const now = ctx.clock.now();
  const secret = randomAlnum(20);
  const session: LegacySession = {
    ...req,
    otpId: randomAlnum(20),
    accountId: caller.account.id,
    sandbox: caller.sandbox,
    secretSealed: ctx.credentials.seal(secret).toString('base64'),
    createdAt: now,
  };
  const stored = await ctx.store.dialects.putStateIfAbsent(
    { dialect: DIALECT, accountId: SHARED, kind: KIND.session, key: session.otpId, value: JSON.stringify(session), expiresAt: now + SESSION_TTL_MS },
    now,
  );
  // 103 random bits: a collision is not expected, but it must never overwrite another session.
  if (!stored) throw new OtpError('internal', 'otp_id collision');
  return { session, secret };
}

/** The live session `otpId`, or null. Ids are checked for shape first so a probe cannot reach the store with junk. */
export async function loadSession(ctx: DialectContext, otpId: string): Promise<LegacySession | null> {
  if (!/^[a-z0-9]{20}$/.test(otpId)) return null;
  const s = await ctx.store.dialects.getState(DIALECT, SHARED, KIND.session, otpId, ctx.clock.now());
  return s ? (JSON.parse(s.value) as LegacySession) : null;
}

/** The session `otpId` of the caller's account; another account's is as unknown as a missing one. */
export async function sessionOf(ctx: DialectContext, caller: Caller, otpId: string): Promise<LegacySession> {
  const s = await loadSession(ctx, otpId);
  if (!s || s.accountId !== caller.account.id) throw fail('1901', 'No OTP with that otp_id.');
  return s;
}

/** The caller a session acts as on its hosted page (the account and sandbox flag of the key that made it). */
export async function sessionCaller(ctx: DialectContext, s: LegacySession): Promise<Caller | null> {
  const account = await ctx.store.getAccount(s.accountId);
  return account ? { account, sandbox: s.sandbox } : null;
}

/** The verification id bound to a session's channel, once a code was sent on it. */
export async function boundVerification(ctx: DialectContext, s: LegacySession, channel: LegacyChannel): Promise<string | null> {
  const b = await ctx.store.dialects.getState(DIALECT, SHARED, KIND.binding, `${s.otpId}/${channel}`, ctx.clock.now());
  return b?.value ?? null;
}

/** Binds a channel to its verification once: a later send on that channel is a resend of the same code. */
export async function bindVerification(ctx: DialectContext, s: LegacySession, channel: LegacyChannel, verificationId: string): Promise<void> {
  await ctx.store.dialects.putStateIfAbsent(
    { dialect: DIALECT, accountId: SHARED, kind: KIND.binding, key: `${s.otpId}/${channel}`, value: verificationId, expiresAt: s.createdAt + SESSION_TTL_MS },
    ctx.clock.now(),
  );
}

/** Each channel's verification record (null while no code was sent on it). */
export async function channelRecords(ctx: DialectContext, caller: Caller, s: LegacySession): Promise<Map<LegacyChannel, VerificationRecord | null>> {
  const out = new Map<LegacyChannel, VerificationRecord | null>();
  for (const c of s.channels) {
    const id = await boundVerification(ctx, s, c);
    out.set(c, id ? (await ctx.engine.get(caller, id).catch(() => null))?.record ?? null : null);
  }
  return out;
}

/** The status body of GET /api/verify/{otp_id}/, in the field order of GetOTP's sample. */
export async function statusView(ctx: DialectContext, caller: Caller, s: LegacySession): Promise<Record<string, unknown>> {
  const records = await channelRecords(ctx, caller, s);
  return {
    callback_url: s.callbackUrl,
    success_redirect_url: s.successUrl,
    fail_redirect_url: s.failUrl,
    otp_id: s.otpId,
    status: s.channels.map((c) => ({ channel: c, auth_status: records.get(c)?.status === 'approved' ? 'verified' : 'not_verified' })),
    channels: s.channels,
    creation_time: legacyTime(s.createdAt),
    metadata: s.metadata,
    captcha: s.captcha,
    // otpd scores no risk; 0 keeps the field numeric for clients that read it.
    risk_score: 0,
  };
}

/**
 * Marks the session complete exactly once (concurrent last approvals race on one insert) and then
 * posts the callback; true when this call completed it.
 */
export async function complete(ctx: DialectContext, s: LegacySession, records: Map<LegacyChannel, VerificationRecord | null>): Promise<boolean> {
  const now = ctx.clock.now();
  const first = await ctx.store.dialects.putStateIfAbsent(
    { dialect: DIALECT, accountId: SHARED, kind: KIND.done, key: s.otpId, value: String(now), expiresAt: s.createdAt + SESSION_TTL_MS },
    now,
  );
  if (first && s.callbackUrl) await postCallback(ctx, s, records);
  return first;
}

const CALLBACK_TIMEOUT_MS = 5_000;
const CALLBACK_RETRY_DELAYS_MS = [2_000, 10_000];

/**
 * POSTs `{otp_id, otp_secret, auth_status, ...}` to the app's callback_url. The first try is awaited
 * (bounded) so the app usually knows before the browser lands on the success URL; failures are
 * retried in the background a couple of times, and the app can always ask GET /api/verify/{otp_id}/.
 */
async function postCallback(ctx: DialectContext, s: LegacySession, records: Map<LegacyChannel, VerificationRecord | null>): Promise<void> {
  const secret = ctx.secrets.open(Buffer.from(s.secretSealed, 'base64'));
  const body = JSON.stringify({
    otp_id: s.otpId,
    otp_secret: secret,
    auth_status: 'verified',
    channels: s.channels,
    email: records.get('email')?.to ?? '',
    phone_sms: records.get('sms')?.to ?? '',
    phone_voice: records.get('voice')?.to ?? '',
    metadata: s.metadata ?? '',
  });
  const url = s.callbackUrl!;
  const once = async (): Promise<boolean> => {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS), redirect: 'manual' });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  };
  if (await once()) return;
  ctx.logger.warn({ otp_id: s.otpId }, 'getotp callback failed; retrying in the background');
  void (async () => {
    for (const delay of CALLBACK_RETRY_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay).unref());
      if (await once()) return;
    }
    ctx.logger.warn({ otp_id: s.otpId }, 'getotp callback gave up');
  })();
}
