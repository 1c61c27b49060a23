// Proof tokens: a short-lived JWT issued on approval, and its verification against our own keys.
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { randomUUID, sign } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { KeyRing } from './keys.js';
import type { Expected, SignAhead } from './sign-ahead.js';

export interface ProofClaims {
  sub: string;
  verification_id: string;
  account: string;
  channel: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: number;
}

export type TokenVerdict =
  | { valid: true; claims: JWTPayload }
  | { valid: false; reason: 'expired' | 'invalid_signature' | 'unknown_key' | 'algorithm_not_allowed' | 'malformed' | 'invalid_claims' | 'foreign_account' };

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

export class TokenService {
  constructor(
    private readonly ring: KeyRing,
    private readonly clock: Clock,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
    /** Signs a matching check's token on another thread while its attempt commits; absent, every token is signed here. */
    private readonly ahead?: SignAhead,
  ) {}

  /** Tells sign-ahead about a verification just created, so its check's token can be signed early. */
  expect(v: Expected): void {
    this.ahead?.expect(v);
  }

  /** Starts signing the token a check would get if it approves; a handle for `issue` or `release`. */
  prepare(account: string, verificationId: string, codeHash: Buffer): number | undefined {
    return this.ahead?.prepare(account, verificationId, codeHash, Math.floor(this.clock.now() / 1000));
  }

  /** Gives back a prepared token whose check did not approve. */
  release(handle: number): void {
    this.ahead?.release(handle);
  }

  /** Each signing key's encoded JWS header: the same for every token the key signs. */
  private readonly headers = new Map<string, string>();

  /** Signs a proof that `claims.sub` was verified just now. Synchronous: the signature is one node:crypto call. */
  issue(claims: ProofClaims, prepared?: number): IssuedToken {
    const iat = Math.floor(this.clock.now() / 1000);
    if (prepared !== undefined && this.ahead) {
      const t = this.ahead.take(prepared, claims.sub, claims.channel, iat);
      if (t) return { token: t.token, expiresAt: (t.iat + this.ttlSeconds) * 1000 };
    }
    const key = this.ring.current;
    const exp = iat + this.ttlSeconds;
    // A compact JWS built here and signed with node:crypto: the same bytes jose would make, several times
    // cheaper than WebCrypto's asynchronous sign. jose still verifies every token.
    let header = this.headers.get(key.kid);
    if (header === undefined) {
      header = b64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }));
      this.headers.set(key.kid, header);
    }
    const payload = b64url(
      JSON.stringify({
        verification_id: claims.verification_id,
        account: claims.account,
        channel: claims.channel,
        sub: claims.sub,
        iss: this.issuer,
        jti: randomUUID(),
        iat,
        exp,
      }),
    );
    const input = `${header}.${payload}`;
    const signature =
      key.alg === 'ES256' ? sign('sha256', Buffer.from(input), { key: key.signer, dsaEncoding: 'ieee-p1363' }) : sign(null, Buffer.from(input), key.signer);
    return { token: `${input}.${signature.toString('base64url')}`, expiresAt: exp * 1000 };
  }

  /**
   * Checks signature, algorithm, issuer and expiry; a token of another account is refused. A key id
   * we do not know may be one another node just rotated in: the ring is re-read (at most every 5 s).
   */
  async verify(token: string, accountId: string): Promise<TokenVerdict> {
    const first = await this.verifyOnce(token, accountId);
    if (first.valid || first.reason !== 'unknown_key' || this.clock.now() - this.lastReload < 5_000) return first;
    this.lastReload = this.clock.now();
    await this.ring.reload();
    return this.verifyOnce(token, accountId);
  }

  private lastReload = 0;

  private async verifyOnce(token: string, accountId: string): Promise<TokenVerdict> {
    const jwks = createLocalJWKSet(this.ring.jwks);
    try {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: [...new Set(this.ring.jwks.keys.map((k) => k.alg as string))],
        issuer: this.issuer,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        currentDate: new Date(this.clock.now()),
      });
      if (payload['account'] !== accountId) return { valid: false, reason: 'foreign_account' };
      return { valid: true, claims: payload };
    } catch (e) {
      return { valid: false, reason: reasonOf(e) };
    }
  }
}

function reasonOf(e: unknown): Exclude<TokenVerdict, { valid: true }>['reason'] {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'invalid_signature';
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return 'unknown_key';
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return 'algorithm_not_allowed';
  if (e instanceof errors.JWTClaimValidationFailed) return 'invalid_claims';
  return 'malformed';
}
