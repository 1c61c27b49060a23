// HTTP Basic auth as Twilio does it: AccountSid:AuthToken or ApiKeySid:ApiKeySecret, checked against hashed secrets.
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../core/engine.js';
import type { DialectCredentials } from '../credentials.js';
import { authFault } from './errors.js';
import { isSid } from './ids.js';
import { DIALECT } from './services.js';

/** Who is calling, as the dialect needs it: the engine caller and the Account SID shown in responses. */
export interface TwilioAuth {
  caller: Caller;
  accountSid: string;
}

const auths = new WeakMap<FastifyRequest, TwilioAuth>();

/** The authenticated caller of a request that passed the hook. */
export function authOf(req: FastifyRequest): TwilioAuth {
  const a = auths.get(req);
  if (!a) throw authFault();
  return a;
}

function basic(header: string | undefined): { user: string; pass: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

/** onRequest hook: resolves the Basic credentials or answers Twilio's 20003 (401). */
export function basicAuth(creds: DialectCredentials) {
  return async (req: FastifyRequest): Promise<void> => {
    const b = basic(req.headers.authorization);
    const named = b !== null && (isSid('AC', b.user) || isSid('SK', b.user)) && b.pass.length > 0 && b.pass.length <= 256;
    const hit = named ? await creds.find(DIALECT, b.user) : null;
    // Hash the presented secret even for an unknown SID, so a miss costs what a wrong secret costs.
    const ok = hit ? creds.secretMatches(hit.credential, b!.pass) : (creds.hashSecret(DIALECT, b?.pass ?? ''), false);
    if (!hit || !ok) throw authFault();
    auths.set(req, { caller: hit.caller, accountSid: hit.credential.extra['accountSid'] ?? hit.credential.lookup });
  };
}
