// The dialect's keyed state in store.dialects: B2B tokens, spent signatures and external ids, reference bindings.
import { DialectCredentials } from '../credentials.js';
import type { DialectCredential } from '../../store/dialect-types.js';
import type { DialectContext } from '../types.js';

const DIALECT = 'snap';

/** SNAP's default B2B token lifetime, in seconds (what Finpay's token endpoint answers as expiresIn). */
export const TOKEN_TTL_SECONDS = 900;
/** How long a partnerReferenceNo stays bound to its verification (and refused as a duplicate). */
export const REFERENCE_TTL_MS = 24 * 3600_000;
/** Longest bearer token worth looking up (SNAP's accessToken is at most 3000 characters). */
const MAX_TOKEN = 3000;

const KIND = {
  token: 'b2b-token',
  tokenRequest: 'token-request',
  externalId: 'external-id',
  reference: 'reference',
} as const;

/** Issues a B2B access token for `c`; only its keyed hash is stored, with its expiry. */
export async function issueAccessToken(ctx: DialectContext, c: DialectCredential): Promise<string> {
  const token = DialectCredentials.token(32);
  await ctx.store.dialects.putState({
    dialect: DIALECT,
    accountId: c.accountId,
    kind: KIND.token,
    key: ctx.credentials.lookupFor(DIALECT, token),
    value: c.id,
    expiresAt: ctx.clock.now() + TOKEN_TTL_SECONDS * 1000,
  });
  return token;
}

/** True when `token` is a live B2B token issued to credential `c` (not to another partner). */
export async function tokenIsLive(ctx: DialectContext, c: DialectCredential, token: string): Promise<boolean> {
  if (token.length > MAX_TOKEN) return false;
  const st = await ctx.store.dialects.getState(DIALECT, c.accountId, KIND.token, ctx.credentials.lookupFor(DIALECT, token), ctx.clock.now());
  return st?.value === c.id;
}

/**
 * Spends a token request's (client, X-TIMESTAMP) pair: false when it was already used. The entry lives
 * as long as that timestamp could pass the window, so a captured request cannot be replayed for a token.
 */
export async function spendTokenRequest(ctx: DialectContext, c: DialectCredential, timestamp: string, at: number): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.store.dialects.putStateIfAbsent(
    { dialect: DIALECT, accountId: c.accountId, kind: KIND.tokenRequest, key: `${c.lookup}|${timestamp}`, value: '1', expiresAt: Math.max(at, now) + ctx.signatureWindowMs + 1000 },
    now,
  );
}

/**
 * Spends an X-EXTERNAL-ID for the day its X-TIMESTAMP names: false when the partner used it that day.
 * It is kept past midnight for as long as that timestamp is still inside the window, so a request
 * signed just before midnight cannot be replayed just after.
 */
export async function spendExternalId(ctx: DialectContext, c: DialectCredential, externalId: string, ts: { at: number; day: string; dayEndsAt: number }): Promise<boolean> {
  const now = ctx.clock.now();
  const expiresAt = Math.max(ts.dayEndsAt, Math.max(ts.at, now) + ctx.signatureWindowMs + 1000);
  return ctx.store.dialects.putStateIfAbsent(
    { dialect: DIALECT, accountId: c.accountId, kind: KIND.externalId, key: `${c.lookup}|${ts.day}|${externalId}`, value: '1', expiresAt },
    now,
  );
}

const RESERVED = '';

/** Reserves a partnerReferenceNo before its verification exists; false when it is already taken. */
export async function reserveReference(ctx: DialectContext, c: DialectCredential, ref: string): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.store.dialects.putStateIfAbsent(
    { dialect: DIALECT, accountId: c.accountId, kind: KIND.reference, key: `${c.lookup}|${ref}`, value: RESERVED, expiresAt: now + REFERENCE_TTL_MS },
    now,
  );
}

/** Binds a reserved partnerReferenceNo to the verification that now carries it. */
export async function bindReference(ctx: DialectContext, c: DialectCredential, ref: string, verificationId: string): Promise<void> {
  await ctx.store.dialects.putState({
    dialect: DIALECT,
    accountId: c.accountId,
    kind: KIND.reference,
    key: `${c.lookup}|${ref}`,
    value: verificationId,
    expiresAt: ctx.clock.now() + REFERENCE_TTL_MS,
  });
}

/** Releases a reservation whose creation failed, so the partner may retry with the same reference. */
export async function releaseReference(ctx: DialectContext, c: DialectCredential, ref: string): Promise<void> {
  await ctx.store.dialects.takeState(DIALECT, c.accountId, KIND.reference, `${c.lookup}|${ref}`, ctx.clock.now());
}

/** The verification id a partnerReferenceNo is bound to, or null (unknown, expired, or still being created). */
export async function referencedVerification(ctx: DialectContext, c: DialectCredential, ref: string): Promise<string | null> {
  const st = await ctx.store.dialects.getState(DIALECT, c.accountId, KIND.reference, `${c.lookup}|${ref}`, ctx.clock.now());
  return st && st.value !== RESERVED ? st.value : null;
}
