// Bearer API-key authentication for the native API: hash the presented key, look it up, attach the caller.
import type { FastifyRequest } from 'fastify';
import type { Secrets } from '../core/code.js';
import type { Caller } from '../core/engine.js';
import { OtpError } from '../core/errors.js';
import type { Store } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

export function bearerAuth(store: Store, secrets: Secrets) {
  return async function authenticate(req: FastifyRequest): Promise<void> {
    const h = req.headers.authorization;
    const m = h ? /^Bearer\s+(\S{1,256})\s*$/i.exec(h) : null;
    if (!m) throw new OtpError('unauthorized', 'Send your API key as `Authorization: Bearer <key>`.');
    const key = await store.findApiKeyByHash(secrets.hashApiKey(m[1]!));
    const account = key ? await store.getAccount(key.accountId) : null;
    if (!key || !account) throw new OtpError('unauthorized', 'The API key is not valid or has been revoked.');
    req.caller = { account, sandbox: key.sandbox };
  };
}
