// Eko's otp_verification_token: an HS256 JWT shaped like Eko's ({payload: "<json>"}), valid 5 minutes, keyed per credential.
import { errors, jwtVerify, SignJWT } from 'jose';
import { randomInt } from 'node:crypto';
import type { DialectContext } from '../types.js';

/** Eko: "The token is valid for 5 minutes". */
export const TOKEN_TTL_SECONDS = 300;
const ISSUER = 'otpd-eko';

/** What the token proves, carried as a JSON string in the `payload` claim like Eko's own tokens. */
export interface TokenClaims {
  token_id: number;
  mobile: string;
  intent_id: number;
  client_ref_id: string | null;
  tid: string;
}

export type TokenVerdict = { valid: true; claims: TokenClaims } | { valid: false; reason: 'expired' | 'invalid' };

/**
 * The signing key: derived from otpd's server secret and the credential id, so only otpd can mint a
 * token (not the merchant, who holds access_key), a token is valid only for the credential it was
 * issued to, and nothing new has to be stored.
 */
function keyFor(ctx: DialectContext, credentialId: string): Uint8Array {
  return ctx.secrets.hashApiKey(`eko\0otp-verification-token\0${credentialId}`);
}

/** A fresh numeric token id (Eko's are numbers). */
export function newTokenId(): number {
  return randomInt(1, 2 ** 47);
}

/** Signs a token for a just-approved verification. */
export async function mintToken(ctx: DialectContext, credentialId: string, claims: TokenClaims): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(ctx.clock.now() / 1000);
  const token = await new SignJWT({ payload: JSON.stringify(claims) })
    .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_TTL_SECONDS)
    .sign(keyFor(ctx, credentialId));
  return { token, expiresAt: (iat + TOKEN_TTL_SECONDS) * 1000 };
}

/** Checks signature (HS256 only), issuer and expiry against the injected clock, and reads the claims. */
export async function readToken(ctx: DialectContext, credentialId: string, token: string): Promise<TokenVerdict> {
  try {
    const { payload } = await jwtVerify(token, keyFor(ctx, credentialId), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      currentDate: new Date(ctx.clock.now()),
      requiredClaims: ['exp', 'iat'],
    });
    const inner: unknown = typeof payload['payload'] === 'string' ? JSON.parse(payload['payload']) : null;
    if (!isClaims(inner)) return { valid: false, reason: 'invalid' };
    return { valid: true, claims: inner };
  } catch (e) {
    return { valid: false, reason: e instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}

function isClaims(v: unknown): v is TokenClaims {
  if (!v || typeof v !== 'object') return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c['token_id'] === 'number' &&
    typeof c['mobile'] === 'string' &&
    typeof c['intent_id'] === 'number' &&
    typeof c['tid'] === 'string' &&
    (c['client_ref_id'] === null || typeof c['client_ref_id'] === 'string')
  );
}
