// Bearer API-key authentication for the native API: hash the presented key, look it up, attach the caller.
import type { FastifyRequest } from 'fastify';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Caller } from '../core/engine.js';
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

export function bearerAuth(store: Store, secrets: Secrets, clock: Clock) {
  // key hash -> its account and mode. Only successful look-ups are cached, so wrong keys cannot fill it.
  // The account itself is read on every request, so its settings (webhook) apply at once.
  const cache = new Map<string, { accountId: string; sandbox: boolean; until: number }>();

  return async function authenticate(req: FastifyRequest): Promise<void> {
    const h = req.headers.authorization;
    const m = h ? /^Bearer\s+(\S{1,256})\s*$/i.exec(h) : null;
    if (!m) throw new OtpError('unauthorized', 'Send your API key as `Authorization: Bearer <key>`.');
    const hash = secrets.hashApiKey(m[1]!);
    const id = hash.toString('base64');
    const now = clock.now();
    let entry = cache.get(id);
    if (!entry || entry.until <= now) {
      const key = await store.findApiKeyByHash(hash);
      if (!key) {
        cache.delete(id);
        throw new OtpError('unauthorized', 'The API key is not valid or has been revoked.');
      }
      if (cache.size >= AUTH_CACHE_MAX) cache.clear();
      entry = { accountId: key.accountId, sandbox: key.sandbox, until: now + AUTH_CACHE_TTL_MS };
      cache.set(id, entry);
    }
    const account = await store.getAccount(entry.accountId);
    if (!account) throw new OtpError('unauthorized', 'The API key is not valid or has been revoked.');
    req.caller = { account, sandbox: entry.sandbox };
  };
}
