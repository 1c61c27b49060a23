// Bearer API-key authentication for the native API: hash the presented key, look it up, attach the caller.
import * as crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Caller } from '../core/engine.js';
import { TtlCache } from '../core/ttl-cache.js';
import type { Scope } from '../core/types.js';
import { OtpError } from '../core/errors.js';
import type { Store } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

/**
 * How long a validated key is trusted without asking the store again. It bounds how late a
 * revocation made by another process (the CLI, another node) takes effect.
 */
export const AUTH_CACHE_TTL_MS = 5_000;
const AUTH_CACHE_MAX = 10_000;

/**
 * A route-group hook: the caller's key must carry `scope` (dialect credentials carry every verification scope).
 * Hooks on the request path take Fastify's callback form: an async hook costs a promise and a microtask turn per request.
 */
export function requireScope(scope: Scope) {
  return function checkScope(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const scopes = req.caller.scopes;
    if (scopes && !scopes.includes(scope)) done(new OtpError('forbidden', `This API key lacks the '${scope}' scope.`));
    else done();
  };
}

// crypto.hash (one call, no Hash object) arrived in Node 20.12; createHash does the same on older 20s.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'base64') => string }).hash;

/**
 * The cache's name for a presented key: a plain SHA-256, a third of the cost of the keyed HMAC the
 * store is searched by. It never leaves this process's memory, where a key needs no more than a
 * one-way name; the keyed HMAC protects what is written to the database. The cache never holds a key.
 */
function cacheId(presented: string): string {
  return oneShot ? oneShot('sha256', presented, 'base64') : crypto.createHash('sha256').update(presented).digest('base64');
}

export function bearerAuth(store: Store, secrets: Secrets, clock: Clock) {
  // key hash -> its caller. Only successful look-ups are cached, so wrong keys cannot fill it.
  // A cached account may lag a settings change made elsewhere by the TTL; the engine re-reads it
  // where a setting decides (webhook availability), and the worker reads it fresh for each delivery.
  const cache = new TtlCache<Caller>(AUTH_CACHE_TTL_MS, AUTH_CACHE_MAX);

  /** The caller of a key the cache does not hold, from the store; the cache then holds it. */
  async function lookUp(req: FastifyRequest, presented: string, id: string, now: number): Promise<void> {
    const key = await store.findApiKeyByHash(secrets.hashApiKey(presented));
    const account = key ? await store.getAccount(key.accountId) : null;
    if (!key || !account) {
      cache.delete(id);
      throw new OtpError('unauthorized', 'The API key is not valid or has been revoked.');
    }
    req.caller = { account, sandbox: key.sandbox, scopes: key.scopes };
    // Last use, to the minute, written at most once a minute per key and node, off the request path.
    const minute = Math.floor(now / 60_000) * 60_000;
    if ((key.lastUsedAt ?? 0) < minute) void store.touchApiKey(key.id, minute).catch(() => undefined);
    cache.set(id, req.caller, now);
  }

  // Callback form: a cached key (nearly every request) is answered without a promise.
  return function authenticate(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const h = req.headers.authorization;
    const m = h ? /^Bearer\s+(\S{1,256})\s*$/i.exec(h) : null;
    if (!m) return done(new OtpError('unauthorized', 'Send your API key as `Authorization: Bearer <key>`.'));
    const presented = m[1]!;
    const id = cacheId(presented);
    const now = clock.now();
    const hit = cache.get(id, now);
    if (hit) {
      req.caller = hit;
      return done();
    }
    // A rejection that is not an Error (never expected) must still fail the request: done(undefined) would let it through.
    lookUp(req, presented, id, now).then(
      () => done(),
      (e: unknown) => done(e instanceof Error ? e : new Error(`API key lookup failed: ${String(e)}`)),
    );
  };
}
