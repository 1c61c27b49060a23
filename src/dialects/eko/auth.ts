// Eko's request authentication: developer_key, secret-key = base64(HMAC-SHA256(base64(access_key), timestamp)), a bounded timestamp, no replays.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../core/engine.js';
import type { DialectCredential } from '../../store/dialect-types.js';
import type { DialectContext } from '../types.js';
import { EKO, EkoError } from './errors.js';

export const DIALECT = 'eko';

export interface EkoAuth {
  credential: DialectCredential;
  caller: Caller;
  /** The initiator_id issued with the credential; requests must name it. */
  initiatorId: string;
}

/**
 * The secret-key Eko's clients compute. The HMAC key is the base64 TEXT of access_key, used as
 * bytes as-is (not decoded back): Eko's PHP sample passes base64_encode($key) to hash_hmac.
 */
export function ekoSecretKey(accessKey: string, timestamp: string): string {
  const key = Buffer.from(accessKey, 'utf8').toString('base64');
  return createHmac('sha256', key).update(timestamp, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
}

const authOf = new WeakMap<FastifyRequest, EkoAuth>();

/** The authenticated caller of a request that passed `ekoAuth`. */
export function authOfRequest(req: FastifyRequest): EkoAuth {
  const a = authOf.get(req);
  if (!a) throw new EkoError(403, EKO.failure, 'Authentication required.');
  return a;
}

function refuse(req: FastifyRequest, reason: string, message: string): EkoError {
  // The reason, never a header value: keys and signatures stay out of the logs.
  req.log.info({ dialect: DIALECT, reason }, 'eko request refused');
  return new EkoError(403, EKO.failure, message);
}

/** An onRequest hook: checks the three headers before the body is even read, and attaches the caller. */
export function ekoAuth(ctx: DialectContext) {
  return async function authenticate(req: FastifyRequest): Promise<void> {
    const developerKey = header(req, 'developer_key');
    const secretKey = header(req, 'secret-key');
    const ts = header(req, 'secret-key-timestamp');
    if (!developerKey || !secretKey || !ts) {
      throw refuse(req, 'missing_header', 'Send the developer_key, secret-key and secret-key-timestamp headers.');
    }
    if (!/^\d{1,16}$/.test(ts)) throw refuse(req, 'bad_timestamp', 'secret-key-timestamp must be the current time in milliseconds since the UNIX epoch.');
    const now = ctx.clock.now();
    const t = Number(ts);
    if (Math.abs(now - t) > ctx.signatureWindowMs) {
      throw refuse(req, 'stale_timestamp', 'secret-key-timestamp does not match the server time; check your clock and generate a fresh secret-key.');
    }
    if (developerKey.length > 256 || secretKey.length > 256) throw refuse(req, 'oversized_header', 'Invalid developer_key or secret-key.');

    const hit = await ctx.credentials.find(DIALECT, ctx.credentials.lookupFor(DIALECT, developerKey));
    if (!hit) throw refuse(req, 'unknown_developer_key', 'Invalid developer_key.');
    const expected = ekoSecretKey(ctx.credentials.openSecret(hit.credential), ts);
    if (!sameText(secretKey, expected)) throw refuse(req, 'bad_signature', 'Invalid secret-key: compute it from your access_key and this secret-key-timestamp.');

    // The signature covers only the timestamp, so a captured request could be replayed within the
    // window: each (credential, timestamp, signature) is accepted once, remembered until it would be stale anyway.
    const fresh = await ctx.store.dialects.putStateIfAbsent(
      { dialect: DIALECT, accountId: hit.credential.accountId, kind: 'nonce', key: `${hit.credential.id}:${ts}:${secretKey}`, value: '1', expiresAt: t + ctx.signatureWindowMs + 1 },
      now,
    );
    if (!fresh) throw refuse(req, 'replayed', 'This secret-key-timestamp was already used: generate a fresh secret-key for every request.');

    authOf.set(req, { credential: hit.credential, caller: hit.caller, initiatorId: hit.credential.extra['initiator_id'] ?? '' });
  };
}
